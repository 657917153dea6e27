//! The matcher of `lucene_regexp`: a parsed pattern's matches on one text as relations between
//! positions, built bottom-up with bitset rows, counting the work.

use super::{Node, TooComplex};

/// The positions 0..=n of a text (n at most 255), one bit each.
pub(super) type Row = [u64; 4];

pub(super) fn contains(row: &Row, at: usize) -> bool {
    row.get(at / 64).is_some_and(|word| word & (1 << (at % 64)) != 0)
}

fn insert(row: &mut Row, at: usize) {
    if let Some(word) = row.get_mut(at / 64) {
        *word |= 1 << (at % 64);
    }
}

fn zip(a: &Row, b: &Row, f: impl Fn(u64, u64) -> u64) -> Row {
    let mut out = [0; 4];
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        *o = f(*x, *y);
    }
    out
}

fn ones(row: &Row) -> usize {
    row.iter().map(|w| w.count_ones() as usize).sum()
}

/// The positions in `row`, ascending.
fn each(row: Row) -> impl Iterator<Item = usize> {
    row.into_iter().enumerate().flat_map(|(w, mut bits)| {
        std::iter::from_fn(move || {
            let at = (bits != 0).then(|| w * 64 + bits.trailing_zeros() as usize);
            bits &= bits.wrapping_sub(1);
            at
        })
    })
}

/// Some starts' rows, ascending by start.
pub(super) type Relation = Vec<(usize, Row)>;

/// The row of `start` in `relation`, if it has one.
pub(super) fn row_of(relation: &Relation, start: usize) -> Option<&Row> {
    let at = relation.binary_search_by_key(&start, |(i, _)| *i).ok()?;
    relation.get(at).map(|(_, row)| row)
}

/// A node's matches on the text as a relation: for each start a caller needs (`need`), the
/// ends of the node's matches from there. Each node's relation is built once from its
/// children's, with set operations on rows and products for concatenation and repeats: a match
/// costs polynomial work in the text's length whatever the pattern (no backtracking), and the
/// work is counted.
///
/// The most work it may do is `limit`: [`super::MAX_STEPS`], or less when the request has less
/// left ([`super::Regexps`]).
pub(super) struct Matcher<'t> {
    text: &'t [char],
    steps: usize,
    limit: usize,
}

impl<'t> Matcher<'t> {
    pub(super) fn new(text: &'t [char], limit: usize) -> Self {
        Matcher { text, steps: 0, limit }
    }

    /// The work counted so far (past the limit, one operation that was counted, not done).
    pub(super) fn steps(&self) -> usize {
        self.steps
    }

    /// What the whole text's match needs: the row of start 0.
    pub(super) fn start(&self) -> Row {
        let mut row = [0; 4];
        insert(&mut row, 0);
        row
    }

    fn count(&mut self, steps: usize) -> Result<(), TooComplex> {
        self.steps = self.steps.saturating_add(steps);
        if self.steps > self.limit {
            return Err(TooComplex);
        }
        Ok(())
    }

    /// Row `i` from `f(i)` for each `i` in `need`.
    fn rows(&mut self, need: Row, f: impl Fn(usize) -> Row) -> Result<Relation, TooComplex> {
        self.count(ones(&need) + 1)?;
        Ok(each(need).map(|i| (i, f(i))).collect())
    }

    /// The empty string: `{i}` from each start.
    fn identity(&mut self, need: Row) -> Result<Relation, TooComplex> {
        self.rows(need, |i| {
            let mut row = [0; 4];
            insert(&mut row, i);
            row
        })
    }

    /// Any string: every end from the start on.
    fn universe(&mut self, need: Row) -> Result<Relation, TooComplex> {
        let n = self.text.len();
        self.rows(need, |i| {
            let mut row = [0; 4];
            (i..=n).for_each(|at| insert(&mut row, at));
            row
        })
    }

    /// One character that passes `test`.
    fn one(&mut self, need: Row, test: impl Fn(char) -> bool) -> Result<Relation, TooComplex> {
        let text = self.text;
        self.rows(need, |i| {
            let mut row = [0; 4];
            if text.get(i).is_some_and(|c| test(*c)) {
                insert(&mut row, i + 1);
            }
            row
        })
    }

    /// Row by row, for relations of the same starts.
    fn combine(&mut self, a: &Relation, b: &Relation, f: impl Fn(u64, u64) -> u64) -> Result<Relation, TooComplex> {
        self.count(a.len() + 1)?;
        Ok(a.iter().zip(b).map(|((i, x), (_, y))| (*i, zip(x, y, &f))).collect())
    }

    /// `a` then `b`: for each start, the ends of `b` from each end of `a`.
    fn product(&mut self, a: &Relation, b: &Relation) -> Result<Relation, TooComplex> {
        self.count(a.iter().map(|(_, row)| ones(row)).sum::<usize>() + 1)?;
        let joined = |row: &Row| {
            let ends = each(*row).filter_map(|at| row_of(b, at));
            ends.fold([0; 4], |acc, ends| zip(&acc, ends, |x, y| x | y))
        };
        Ok(a.iter().map(|(i, row)| (*i, joined(row))).collect())
    }

    /// `r` repeated `times` times (binary powers; none is the empty string), for the starts in
    /// `need`, which holds every end of `r` from them.
    fn power(&mut self, r: &Relation, mut times: usize, need: Row) -> Result<Relation, TooComplex> {
        let mut out = self.identity(need)?;
        let mut base = r.clone();
        while times > 0 {
            if times & 1 == 1 {
                out = self.product(&out, &base)?;
            }
            times >>= 1;
            if times > 0 {
                base = self.product(&base, &base)?;
            }
        }
        Ok(out)
    }

    /// `r` repeated any number of times, none included, for `r`'s starts, which hold every end
    /// of `r` from them. Every match ends at or after its start, so the rows are completed from
    /// the last start back, each from the rows after it: the work of one product.
    fn closure(&mut self, r: &Relation) -> Result<Relation, TooComplex> {
        self.count(r.iter().map(|(_, row)| ones(row)).sum::<usize>() + 1)?;
        let mut out: Relation = r.iter().map(|(i, _)| (*i, [0; 4])).collect();
        for (k, (i, row)) in r.iter().enumerate().rev() {
            let mut done = [0; 4];
            insert(&mut done, *i);
            for at in each(*row).filter(|at| at > i) {
                if let Some(ends) = row_of(&out, at) {
                    done = zip(&done, ends, |x, y| x | y);
                }
            }
            if let Some(slot) = out.get_mut(k) {
                slot.1 = done;
            }
        }
        Ok(out)
    }

    pub(super) fn relation(&mut self, node: &Node, need: Row) -> Result<Relation, TooComplex> {
        match node {
            Node::Empty => self.rows(need, |_| [0; 4]),
            Node::EmptyString => self.identity(need),
            Node::AnyString => self.universe(need),
            Node::AnyChar => self.one(need, |_| true),
            Node::Char(c) => self.one(need, |h| h == *c),
            Node::Class { ranges, negated } => {
                self.one(need, |h| ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&h)) != *negated)
            }
            Node::Interval { min, max, width } => {
                let text = self.text;
                self.rows(need, |i| interval(text, i, *min, *max, *width))
            }
            Node::Concat(a, b) => {
                let a = self.relation(a, need)?;
                // `b` from where `a` ends.
                let mid = a.iter().fold([0; 4], |acc, (_, row)| zip(&acc, row, |x, y| x | y));
                let b = self.relation(b, mid)?;
                self.product(&a, &b)
            }
            Node::Union(a, b) => {
                let (a, b) = (self.relation(a, need)?, self.relation(b, need)?);
                self.combine(&a, &b, |x, y| x | y)
            }
            Node::Intersection(a, b) => {
                let (a, b) = (self.relation(a, need)?, self.relation(b, need)?);
                self.combine(&a, &b, |x, y| x & y)
            }
            Node::Complement(a) => {
                let (a, all) = (self.relation(a, need)?, self.universe(need)?);
                self.combine(&all, &a, |x, y| x & !y)
            }
            Node::Repeat { node, min, max } => {
                // Repeats go on from any end at or after the first start needed: all those rows.
                let Some(first_start) = each(need).next() else {
                    return Ok(Relation::new());
                };
                let mut onward = [0; 4];
                (first_start..=self.text.len()).for_each(|at| insert(&mut onward, at));
                // min repeats, then up to max - min more: (R or nothing) to that power. A
                // match that is not empty moves on, so past the text's length that is the closure.
                let r = self.relation(node, onward)?;
                let mut first = self.power(&r, *min, onward)?;
                let rest = match max.map(|max| max.saturating_sub(*min)) {
                    Some(more) if more < self.text.len() => {
                        let id = self.identity(onward)?;
                        let optional = self.combine(&r, &id, |x, y| x | y)?;
                        self.power(&optional, more, onward)?
                    }
                    _ => self.closure(&r)?,
                };
                first.retain(|(i, _)| contains(&need, *i));
                self.product(&first, &rest)
            }
        }
    }
}

/// Digits from `start` whose value is in `min..=max`: exactly `width` of them, or any number
/// when `width` is 0 (leading zeros then accepted), as Lucene's decimal interval.
fn interval(text: &[char], start: usize, min: u64, max: u64, width: usize) -> Row {
    let mut out = [0; 4];
    let mut value: u64 = 0;
    for (len, c) in text.iter().skip(start).enumerate() {
        let Some(digit) = c.to_digit(10) else { break };
        value = value.saturating_mul(10).saturating_add(u64::from(digit));
        let len = len + 1;
        if (width == 0 || len == width) && (min..=max).contains(&value) {
            insert(&mut out, start + len);
        }
    }
    out
}
