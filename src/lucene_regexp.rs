//! Index and action patterns written `/.../` in a role: a Lucene regular expression, as ES's
//! `Automatons.pattern` reads them (`RegExp.ALL` with the complement `~`), matched against the
//! whole name. ES builds an automaton; here a pattern is parsed into a tree and matched by sets
//! of end positions (for each node and start, the ends it can reach), which handles complement
//! and intersection without determinising, in time polynomial in the name's length whatever
//! the pattern (names are at most [`MAX_NAME_CHARS`] characters, patterns [`MAX_PATTERN_CHARS`]).
//!
//! The syntax (Lucene's `RegExp`): `|` union, `&` intersection, concatenation, `?` `*` `+`
//! `{n}` `{n,}` `{n,m}` repeats, `~` complement, `[...]` and `[^...]` classes with ranges, `.`
//! any character, `#` the empty language, `@` any string, `"..."` a literal string, `<n-m>` a
//! decimal interval, `()` the empty string, `\` to escape. Named automata (`<name>`) are not
//! supported: such a pattern matches nothing.

use std::collections::BTreeMap;

/// ES's index names are at most 255 bytes; longer text is never matched by a regular expression.
pub const MAX_NAME_CHARS: usize = 255;
pub const MAX_PATTERN_CHARS: usize = 1000;

/// Repeat counts above this make the pattern invalid (it matches nothing): they bound the work.
const MAX_REPEAT: usize = 255;

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Empty,
    EmptyString,
    AnyString,
    AnyChar,
    Char(char),
    Class {
        ranges: Vec<(char, char)>,
        negated: bool,
    },
    /// Digits whose value is in `min..=max`: exactly `width` of them, or (0) any number.
    Interval {
        min: u64,
        max: u64,
        width: usize,
    },
    Concat(Box<Node>, Box<Node>),
    Union(Box<Node>, Box<Node>),
    Intersection(Box<Node>, Box<Node>),
    Complement(Box<Node>),
    Repeat {
        node: Box<Node>,
        min: usize,
        max: Option<usize>,
    },
}

/// Whether `pattern` (the text between the slashes) matches all of `text`; a pattern that does
/// not parse matches nothing.
pub fn matches(pattern: &str, text: &str) -> bool {
    let text: Vec<char> = text.chars().collect();
    if text.len() > MAX_NAME_CHARS || pattern.chars().count() > MAX_PATTERN_CHARS {
        return false;
    }
    let Some(node) = parse(pattern) else { return false };
    let mut matcher = Matcher { text: &text, memo: BTreeMap::new() };
    matcher.ends(&node, 0).contains(text.len())
}

/// A set of positions 0..=n, one bit each.
#[derive(Clone, PartialEq)]
struct Ends(Vec<u64>);

impl Ends {
    fn none(n: usize) -> Ends {
        Ends(vec![0; n / 64 + 1])
    }
    fn one(n: usize, at: usize) -> Ends {
        let mut ends = Ends::none(n);
        ends.insert(at);
        ends
    }
    /// Every position from `start` to `n`.
    fn from(n: usize, start: usize) -> Ends {
        let mut ends = Ends::none(n);
        (start..=n).for_each(|at| ends.insert(at));
        ends
    }
    fn insert(&mut self, at: usize) {
        if let Some(word) = self.0.get_mut(at / 64) {
            *word |= 1 << (at % 64);
        }
    }
    fn contains(&self, at: usize) -> bool {
        self.0.get(at / 64).is_some_and(|word| word & (1 << (at % 64)) != 0)
    }
    fn positions(&self) -> Vec<usize> {
        (0..self.0.len() * 64).filter(|at| self.contains(*at)).collect()
    }
    fn union(&mut self, other: &Ends) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a |= *b);
    }
    fn intersect(&mut self, other: &Ends) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a &= *b);
    }
    fn remove_all(&mut self, other: &Ends) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a &= !*b);
    }
}

/// Matches nodes against one text, remembering each node's ends from each start (by the node's
/// address, stable while the tree lives), so no node is matched twice from the same place.
struct Matcher<'t> {
    text: &'t [char],
    memo: BTreeMap<(usize, usize), Ends>,
}

impl Matcher<'_> {
    fn ends(&mut self, node: &Node, start: usize) -> Ends {
        let key = (node as *const Node as usize, start);
        if let Some(found) = self.memo.get(&key) {
            return found.clone();
        }
        let found = self.compute(node, start);
        self.memo.insert(key, found.clone());
        found
    }

    fn compute(&mut self, node: &Node, start: usize) -> Ends {
        let n = self.text.len();
        let here = self.text.get(start).copied();
        let next = |ok: bool| if ok { Ends::one(n, start + 1) } else { Ends::none(n) };
        match node {
            Node::Empty => Ends::none(n),
            Node::EmptyString => Ends::one(n, start),
            Node::AnyString => Ends::from(n, start),
            Node::AnyChar => next(here.is_some()),
            Node::Char(c) => next(here == Some(*c)),
            Node::Class { ranges, negated } => {
                next(here.is_some_and(|h| ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&h)) != *negated))
            }
            Node::Interval { min, max, width } => interval(self.text, start, *min, *max, *width),
            Node::Concat(a, b) => {
                let mut out = Ends::none(n);
                for mid in self.ends(a, start).positions() {
                    out.union(&self.ends(b, mid));
                }
                out
            }
            Node::Union(a, b) => {
                let mut out = self.ends(a, start);
                out.union(&self.ends(b, start));
                out
            }
            Node::Intersection(a, b) => {
                let mut out = self.ends(a, start);
                out.intersect(&self.ends(b, start));
                out
            }
            Node::Complement(a) => {
                let mut out = Ends::from(n, start);
                out.remove_all(&self.ends(a, start));
                out
            }
            Node::Repeat { node, min, max } => self.repeat(node, start, *min, *max),
        }
    }

    /// `node` repeated `min` to `max` times: round k reaches the ends of k repeats; an unbounded
    /// repeat stops when a round past `min` adds nothing.
    fn repeat(&mut self, node: &Node, start: usize, min: usize, max: Option<usize>) -> Ends {
        let n = self.text.len();
        let mut frontier = Ends::one(n, start);
        let mut out = if min == 0 { frontier.clone() } else { Ends::none(n) };
        let mut round = 0;
        while max.is_none_or(|max| round < max) {
            round += 1;
            let mut reached = Ends::none(n);
            for at in frontier.positions() {
                reached.union(&self.ends(node, at));
            }
            if reached == Ends::none(n) {
                break;
            }
            if round >= min {
                let before = out.clone();
                out.union(&reached);
                if max.is_none() && out == before && round > min {
                    break;
                }
            }
            frontier = reached;
        }
        out
    }
}

/// Digits from `start` whose value is in `min..=max`: exactly `width` of them, or any number
/// when `width` is 0 (leading zeros then accepted), as Lucene's decimal interval.
fn interval(text: &[char], start: usize, min: u64, max: u64, width: usize) -> Ends {
    let mut out = Ends::none(text.len());
    let mut value: u64 = 0;
    for (len, c) in text.iter().skip(start).enumerate() {
        let Some(digit) = c.to_digit(10) else { break };
        value = value.saturating_mul(10).saturating_add(u64::from(digit));
        let len = len + 1;
        if (width == 0 || len == width) && (min..=max).contains(&value) {
            out.insert(start + len);
        }
    }
    out
}

fn parse(pattern: &str) -> Option<Node> {
    let mut parser = Parser { chars: pattern.chars().collect(), at: 0 };
    let node = parser.union()?;
    (parser.at == parser.chars.len()).then_some(node)
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }
    fn eat(&mut self, c: char) -> bool {
        let found = self.peek() == Some(c);
        self.at += usize::from(found);
        found
    }
    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        Some(c)
    }

    fn union(&mut self) -> Option<Node> {
        let left = self.intersection()?;
        if self.eat('|') {
            return Some(Node::Union(Box::new(left), Box::new(self.union()?)));
        }
        Some(left)
    }

    fn intersection(&mut self) -> Option<Node> {
        let left = self.concatenation()?;
        if self.eat('&') {
            return Some(Node::Intersection(Box::new(left), Box::new(self.intersection()?)));
        }
        Some(left)
    }

    fn concatenation(&mut self) -> Option<Node> {
        let mut node = self.repeat()?;
        while self.peek().is_some_and(|c| !matches!(c, ')' | '|' | '&')) {
            node = Node::Concat(Box::new(node), Box::new(self.repeat()?));
        }
        Some(node)
    }

    fn repeat(&mut self) -> Option<Node> {
        let mut node = self.complement()?;
        loop {
            let (min, max) = match self.peek() {
                Some('?') => (0, Some(1)),
                Some('*') => (0, None),
                Some('+') => (1, None),
                Some('{') => {
                    self.at += 1;
                    let min = self.count()?;
                    let max = if !self.eat(',') {
                        Some(min)
                    } else if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                        Some(self.count()?)
                    } else {
                        None
                    };
                    if self.peek() != Some('}') || max.is_some_and(|max| max < min) {
                        return None;
                    }
                    (min, max)
                }
                _ => return Some(node),
            };
            self.at += 1;
            node = Node::Repeat { node: Box::new(node), min, max };
        }
    }

    fn complement(&mut self) -> Option<Node> {
        if self.eat('~') {
            return Some(Node::Complement(Box::new(self.complement()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Option<Node> {
        match self.next()? {
            '.' => Some(Node::AnyChar),
            '#' => Some(Node::Empty),
            '@' => Some(Node::AnyString),
            '"' => self.literal(),
            '(' if self.eat(')') => Some(Node::EmptyString),
            '(' => {
                let node = self.union()?;
                self.eat(')').then_some(node)
            }
            '[' => self.class(),
            '<' => self.decimal_interval(),
            '\\' => self.next().map(Node::Char),
            c => Some(Node::Char(c)),
        }
    }

    fn literal(&mut self) -> Option<Node> {
        let mut node = Node::EmptyString;
        loop {
            match self.next()? {
                '"' => return Some(node),
                c => node = Node::Concat(Box::new(node), Box::new(Node::Char(c))),
            }
        }
    }

    fn class(&mut self) -> Option<Node> {
        let negated = self.eat('^');
        let mut ranges = Vec::new();
        loop {
            let lo = match self.next()? {
                ']' if !ranges.is_empty() => return Some(Node::Class { ranges, negated }),
                '\\' => self.next()?,
                c => c,
            };
            let hi = if self.peek() == Some('-') && self.chars.get(self.at + 1).is_some_and(|c| *c != ']') {
                self.at += 1;
                match self.next()? {
                    '\\' => self.next()?,
                    c => c,
                }
            } else {
                lo
            };
            ranges.push((lo, hi));
        }
    }

    /// `<n-m>`; a named automaton (`<name>`) is not supported (None).
    fn decimal_interval(&mut self) -> Option<Node> {
        let from = self.at;
        let min = self.number()?;
        let min_width = self.at - from;
        if !self.eat('-') {
            return None;
        }
        let from = self.at;
        let max = self.number()?;
        let max_width = self.at - from;
        if !self.eat('>') {
            return None;
        }
        // Lucene: bounds of the same length fix the width; otherwise any number of digits.
        let width = if min_width == max_width { min_width } else { 0 };
        Some(Node::Interval { min: min.min(max), max: max.max(min), width })
    }

    /// A repeat count, at most [`MAX_REPEAT`].
    fn count(&mut self) -> Option<usize> {
        usize::try_from(self.number()?).ok().filter(|c| *c <= MAX_REPEAT)
    }

    fn number(&mut self) -> Option<u64> {
        let from = self.at;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.at += 1;
        }
        let digits: String = self.chars.get(from..self.at)?.iter().collect();
        digits.parse().ok()
    }
}
