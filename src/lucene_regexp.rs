//! Index and action patterns written `/.../` in a role: a Lucene regular expression, as ES's
//! `Automatons.pattern` reads them (`RegExp.ALL` with the complement `~`), matched against the
//! whole name. ES builds an automaton; here a pattern is parsed into a tree and matched as a
//! relation between positions of the name (for each start, the ends a node can reach), built
//! bottom-up without backtracking (`lucene_regexp_matcher.rs`), which handles complement and
//! intersection without determinising. The work is counted: past [`MAX_STEPS`] a pattern is too
//! complex, as ES's automaton is past Lucene's determinize work limit (names are at most
//! [`MAX_NAME_CHARS`] characters, patterns [`MAX_PATTERN_CHARS`]). ES builds that automaton once
//! per role; a match here is per name, so the matches of one request also share a budget,
//! [`REQUEST_STEPS`], and each pattern is parsed and each (pattern, name) matched once
//! ([`Regexps`]).
//!
//! The syntax (Lucene's `RegExp`): `|` union, `&` intersection, concatenation, `?` `*` `+`
//! `{n}` `{n,}` `{n,m}` repeats, `~` complement, `[...]` and `[^...]` classes with ranges, `.`
//! any character, `#` the empty language, `@` any string, `"..."` a literal string, `<n-m>` a
//! decimal interval, `()` the empty string, `\` to escape. Named automata (`<name>`) are not
//! supported: such a pattern matches nothing.

/// ES's index names are at most 255 bytes; longer text is never matched by a regular expression.
pub const MAX_NAME_CHARS: usize = 255;
pub const MAX_PATTERN_CHARS: usize = 1000;

/// Repeat counts above this make the pattern invalid (it matches nothing): they bound the work.
const MAX_REPEAT: usize = 255;

use std::collections::BTreeMap;

#[path = "lucene_regexp_matcher.rs"]
mod matcher;
use matcher::Matcher;

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
/// not parse, or that is too complex to match within [`MAX_STEPS`], matches nothing.
pub fn matches(pattern: &str, text: &str) -> bool {
    try_matches(pattern, text).unwrap_or(false)
}

/// A pattern whose match would take more than [`MAX_STEPS`]: ES's counterpart is Lucene's
/// `TooComplexToDeterminizeException` from building the pattern's automaton.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooComplex;

impl TooComplex {
    /// Lucene's message for a regular expression whose automaton is too costly to determinize
    /// (`DEFAULT_DETERMINIZE_WORK_LIMIT`, which ES's `Automatons` uses for `/regex/` patterns).
    pub fn message(pattern: &str) -> String {
        format!("Determinizing {pattern} would require more than {DETERMINIZE_WORK_LIMIT} effort.")
    }
}

/// Lucene's `Operations.DEFAULT_DETERMINIZE_WORK_LIMIT`, quoted in [`TooComplex::message`].
const DETERMINIZE_WORK_LIMIT: usize = 10_000;

/// The most row operations one match may take (a row is 4 words of 64 bits): about 4 ms of
/// native CPU. The reserved roles' patterns take under 1,000 on names of 250 characters, and
/// `(@{0,255})` three times over about 98,000; four times over, or eight (6 s of CPU for one
/// name before this bound), is past it.
pub const MAX_STEPS: usize = 100_000;

/// [`matches`], telling a pattern too complex to match apart from one that does not match.
pub fn try_matches(pattern: &str, text: &str) -> Result<bool, TooComplex> {
    Regexps::default().try_matches(pattern, text)
}

/// The most row operations one request's matches may take in all, [`MAX_STEPS`] being the
/// bound of one: ten matches near that bound, 25 to 30 ms of native CPU and 50 ms in wasm
/// (30,000 to 40,000 steps per ms native, 20,000 in wasm, on the development machine). A request of
/// 1,000 names for a reserved role's patterns takes under 200,000. Without it the per-match
/// bound let one `_has_privileges` of 1,000 names cost 1,000 such matches: 4.7 s in wasm.
pub const REQUEST_STEPS: usize = 1_000_000;

/// What one match costs the request besides its steps (the name's characters, the look-ups,
/// the answer kept): measured as 20 steps' time for a name of 10 characters, 55 for 250. It
/// also bounds the answers kept to [`REQUEST_STEPS`] / 64.
const MATCH_STEPS: usize = 64;

/// The regular expressions of one request (one call into the core): each pattern parsed once,
/// each (pattern, name) matched once, and all the matches' work counted against one budget
/// ([`REQUEST_STEPS`]). A match the budget cannot pay for is [`TooComplex`], as one past
/// [`MAX_STEPS`]; until the budget is spent every answer is the one [`try_matches`] gives.
pub struct Regexps {
    /// Pattern text to its index in `parsed`.
    ids: BTreeMap<String, usize>,
    /// Each pattern's tree; None when it does not parse or is too long (it matches nothing).
    parsed: Vec<Option<Node>>,
    /// Name text to its index, for `known`'s keys.
    names: BTreeMap<String, usize>,
    /// The answers found, by (pattern, name). A too complex one is not kept: the request ends
    /// with it (`_has_privileges`' 500), or matches nothing.
    known: BTreeMap<(usize, usize), bool>,
    spent: usize,
    budget: usize,
}

impl Default for Regexps {
    /// A request's: [`REQUEST_STEPS`].
    fn default() -> Self {
        Regexps::with_budget(REQUEST_STEPS)
    }
}

impl Regexps {
    /// With a budget other than the request's (tests and measurements).
    pub fn with_budget(budget: usize) -> Self {
        let (ids, names, known) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
        Regexps { ids, parsed: Vec::new(), names, known, spent: 0, budget }
    }

    /// The work spent so far, at most the budget.
    pub fn steps(&self) -> usize {
        self.spent
    }

    /// [`try_matches`] within this request's budget.
    pub fn try_matches(&mut self, pattern: &str, text: &str) -> Result<bool, TooComplex> {
        if text.chars().nth(MAX_NAME_CHARS).is_some() {
            return Ok(false);
        }
        let (id, new) = intern(&mut self.ids, pattern);
        if new {
            // Parsed once per request; one too long is not parsed and matches nothing.
            let short = pattern.chars().nth(MAX_PATTERN_CHARS).is_none();
            self.parsed.push(if short { parse(pattern) } else { None });
        }
        let key = (id, intern(&mut self.names, text).0);
        if let Some(known) = self.known.get(&key) {
            return Ok(*known);
        }
        let Some(Some(node)) = self.parsed.get(id) else { return Ok(false) };
        let text: Vec<char> = text.chars().collect();
        // Past what the request has left, the match stops at its first counted operation.
        let limit = MAX_STEPS.min(self.budget.saturating_sub(self.spent).saturating_sub(MATCH_STEPS));
        let mut matcher = Matcher::new(&text, limit);
        let relation = matcher.relation(node, matcher.start());
        #[cfg(test)]
        STEPS.with(|steps| steps.set(matcher.steps()));
        // The work done: the operation counted past the limit was not.
        let done = matcher.steps().min(limit).saturating_add(MATCH_STEPS);
        self.spent = self.spent.saturating_add(done).min(self.budget);
        let matched = matcher::row_of(&relation?, 0).is_some_and(|row| matcher::contains(row, text.len()));
        self.known.insert(key, matched);
        Ok(matched)
    }
}

/// `key`'s index in `map` (the next one when it is new), and whether it is new.
fn intern(map: &mut BTreeMap<String, usize>, key: &str) -> (usize, bool) {
    if let Some(id) = map.get(key) {
        return (*id, false);
    }
    let id = map.len();
    map.insert(key.to_string(), id);
    (id, true)
}

// The steps of the last match (the tests' cost measure).
#[cfg(test)]
thread_local! {
    static STEPS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
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

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(pattern: &str, text: &str) -> (Result<bool, TooComplex>, usize) {
        STEPS.with(|steps| steps.set(0));
        (try_matches(pattern, text), STEPS.with(std::cell::Cell::get))
    }

    #[test]
    fn work_is_bounded_whatever_the_pattern() {
        let name = "a".repeat(250);
        // The reserved roles' patterns and common ones stay far inside the bound.
        for pattern in
            ["~(([.]|ilm-history-).*)", r"metrics-.*&~(metrics-endpoint\.metadata_current_default.*)", "logs-.*"]
        {
            let (outcome, steps) = steps(pattern, &name);
            assert!(outcome.is_ok() && steps < 40_000, "{pattern}: {steps}");
        }
        // Repeats of repeats: one product per power, not a round per repeat from each start.
        let (outcome, work) = steps("((.?){0,255}){0,255}", &name);
        assert_eq!(outcome, Ok(true));
        assert!(work < 50_000, "{work}");
        // Took 6 s before the work was bounded; now refused within the bound.
        let attack = "(@{0,255})".repeat(8);
        let (outcome, work) = steps(&attack, &name);
        assert_eq!(outcome, Err(TooComplex));
        // Counted before it is done: the operation past the bound (at most one product) is not.
        assert!(work <= MAX_STEPS + 251 * 252, "{work}");
        assert!(!matches(&attack, &name));
        assert_eq!(TooComplex::message("(@{0,255})"), "Determinizing (@{0,255}) would require more than 10000 effort.");
    }
}
