//! One `_has_privileges` request's pattern matching (§13): whether the index patterns of the
//! caller's roles cover a name asked for, and the cluster action patterns an action, with the
//! work counted. ES compiles a role's patterns into one automaton and runs each name through it;
//! here each pattern is matched name by name, so a role holding thousands of patterns, asked
//! about a thousand names, would cost millions of matches. The wildcard work of one request is
//! bounded as a whole by [`WILDCARD_STEPS`] (not ES's rule), and the `/regex/` work by
//! `lucene_regexp`'s budget; past either, the request answers ES's 500 for a pattern too
//! complex to determinize (docs/service.md).

use crate::errors::{Cause, Reply};
use crate::lucene_regexp::{Regexps, TooComplex};
use crate::privileges::{index_implies, wildcard_on};
use crate::roles::IndexGroup;

/// The most wildcard steps (characters of a name looked at, and [`MATCH_STEPS`] a match) one
/// request may take: about 30 ms native. The reserved roles asked about 1,000 names of 250
/// characters take under 1,000,000.
pub const WILDCARD_STEPS: usize = 8_000_000;

/// What one match costs beyond the characters it looks at (measured: a match that looks at one
/// character costs about as much as five characters looked at), so that many patterns on short
/// names are bounded too.
pub const MATCH_STEPS: usize = 4;

/// ES's restricted indices as far as this service knows them (§19): the system indices of the
/// security plugin (`.security*`) and of the Kibana module.
const SYSTEM_INDICES: [&str; 5] =
    [".security*", ".kibana_*", ".reporting-*", ".apm-agent-configuration*", ".apm-custom-link*"];

/// The matching of one request: its regular expressions (`lucene_regexp::Regexps`) and its
/// wildcard work.
pub struct Matching<'r> {
    regexps: &'r mut Regexps,
    spent: usize,
    budget: usize,
    matches: usize,
}

impl<'r> Matching<'r> {
    /// A request's: the wildcard budget [`WILDCARD_STEPS`].
    pub fn new(regexps: &'r mut Regexps) -> Self {
        Matching::with_budget(regexps, WILDCARD_STEPS)
    }

    /// With another wildcard budget (tests and measurements).
    pub fn with_budget(regexps: &'r mut Regexps, budget: usize) -> Self {
        Matching { regexps, spent: 0, budget, matches: 0 }
    }

    /// The wildcard steps spent so far, at most the budget.
    pub fn steps(&self) -> usize {
        self.spent
    }

    /// The wildcard matches made so far (a test's count of the work).
    pub fn matches(&self) -> usize {
        self.matches
    }

    /// [`crate::privileges::wildcard_matches`] within the request's budget: past it, ES's 500
    /// naming the pattern.
    pub fn wildcard(&mut self, pattern: &str, name: &str) -> Result<bool, Reply> {
        self.wildcard_on(pattern, &Name::new(name))
    }

    fn wildcard_on(&mut self, pattern: &str, name: &Name) -> Result<bool, Reply> {
        self.matches += 1;
        let left = self.budget.saturating_sub(self.spent);
        if left <= MATCH_STEPS {
            self.spent = self.budget;
            return Err(too_complex(pattern));
        }
        match wildcard_on(pattern, name.text, name.ascii, left - MATCH_STEPS) {
            (Some(matched), steps) => {
                self.spent += steps + MATCH_STEPS;
                Ok(matched)
            }
            (None, _) => {
                self.spent = self.budget;
                Err(too_complex(pattern))
            }
        }
    }

    /// One step of work other than a match (a comparison with a pattern held).
    pub fn charge(&mut self, pattern: &str) -> Result<(), Reply> {
        if self.spent >= self.budget {
            return Err(too_complex(pattern));
        }
        self.spent += 1;
        Ok(())
    }

    /// Whether a pattern held covers what is asked for: a name by ES's wildcards or a
    /// `/regex/`, a pattern when it is the same or a longer prefix under a trailing `*`.
    pub fn covers(&mut self, held: &str, wanted: &str) -> Result<bool, Reply> {
        self.covers_name(held, &Name::new(wanted))
    }

    fn covers_name(&mut self, held: &str, wanted: &Name) -> Result<bool, Reply> {
        if wanted.pattern {
            self.charge(held)?;
            let prefix = held.strip_suffix('*').filter(|prefix| !prefix.contains(['*', '?']));
            return Ok(held == wanted.text || prefix.is_some_and(|prefix| wanted.text.starts_with(prefix)));
        }
        let regexp = held.strip_prefix('/').and_then(|p| p.strip_suffix('/')).filter(|_| held.len() >= 2);
        match regexp {
            // ES fails to build the role's automaton (Lucene's TooComplexToDeterminizeException),
            // here past one match's or the request's regex budget.
            Some(regexp) => self.regexps.try_matches(regexp, wanted.text).map_err(|_| too_complex(regexp)),
            None => self.wildcard_on(held, wanted),
        }
    }

    /// Whether one of `groups` grants `privilege` (lower-cased, known) on the index `name`.
    pub fn grants_index(&mut self, groups: &[&IndexGroup], name: &str, privilege: &str) -> Result<bool, Reply> {
        if privilege == "none" {
            return Ok(true);
        }
        let name = Name::new(name);
        // Once per name, not per group: kibana_system has 71 groups, five wildcards each.
        let mut restricted = false;
        for pattern in SYSTEM_INDICES {
            restricted = restricted || self.wildcard_on(pattern, &name)?;
        }
        let relevant = groups.iter().filter(|group| {
            (group.allow_restricted_indices || !restricted)
                && group.privileges.iter().any(|held| index_implies(held, privilege))
        });
        for pattern in relevant.flat_map(|group| group.names.iter()) {
            if self.covers_name(pattern, &name)? {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// A name asked about, looked at once for all the patterns it is matched against.
struct Name<'a> {
    text: &'a str,
    ascii: bool,
    /// Itself a pattern (`*` or `?`): covered by a pattern held only as [`Matching::covers`] says.
    pattern: bool,
}

impl<'a> Name<'a> {
    fn new(text: &'a str) -> Self {
        Name { text, ascii: text.is_ascii(), pattern: text.contains(['*', '?']) }
    }
}

/// ES's 500 for a pattern it cannot make an automaton of.
fn too_complex(pattern: &str) -> Reply {
    Cause::new("too_complex_to_determinize_exception", TooComplex::message(pattern)).into_reply(500)
}
