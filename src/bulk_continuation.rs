//! A bulk invalidation's state as JSON text (a continuation), so that its next segment can run
//! in another invocation: the scope by name, the time it counts with, the counts so far, the
//! watermarks read once, and where each listing stands with its keys read but not yet counted.
//!
//! Only the host hands a continuation back (on Workers, through a service binding that is not
//! reachable over HTTP); still, text that is not one is refused with a 400, never trusted.

use serde_json::{json, Value};

use crate::bulk_invalidation::{BulkJob, RealmGroup, Scope};
use crate::errors::{illegal_argument, Reply};
use crate::invalidate::Counts;
use crate::schema::keys;

const VERSION: u64 = 1;

pub fn write(job: &BulkJob) -> Value {
    let (realm, user) = match &job.scope {
        Scope::Realm(realm) => (Some(realm), None),
        Scope::User(user) => (None, Some(user)),
        Scope::UserInRealm(realm, user) => (Some(realm), Some(user)),
    };
    json!({
        "v": VERSION,
        "realm": realm,
        "user": user,
        "now": job.now,
        "counts": [job.counts.invalidated, job.counts.previously_invalidated],
        "segments": job.segments,
        "started": job.started,
        "own": job.own,
        "fixed": job.fixed,
        "group": job.group.as_ref().map(|g| json!([g.realm_digest, g.mark])),
        "tokens": job.tokens.to_json(),
        "singles": job.singles.to_json(),
        "user_marks": job.user_marks.to_json(),
        "all_realm_marks": job.all_realm_marks.to_json(),
    })
}

/// The job a continuation describes, or a 400.
pub fn read(text: &str) -> Result<BulkJob, Reply> {
    let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    job_of(&value).ok_or_else(|| illegal_argument("invalid bulk invalidation continuation"))
}

fn job_of(value: &Value) -> Option<BulkJob> {
    if value.get("v")?.as_u64()? != VERSION {
        return None;
    }
    let name = |field: &str| value.get(field).and_then(Value::as_str).map(str::to_string);
    let scope = match (name("realm"), name("user")) {
        (Some(realm), Some(user)) => Scope::UserInRealm(realm, user),
        (Some(realm), None) => Scope::Realm(realm),
        (None, Some(user)) => Scope::User(user),
        (None, None) => return None,
    };
    let time = |field: &str| -> Option<Option<u64>> {
        match value.get(field)? {
            Value::Null => Some(None),
            other => Some(Some(other.as_u64()?)),
        }
    };
    let mut job = BulkJob::new(scope, value.get("now")?.as_u64()?);
    let counts = value.get("counts")?;
    job.counts = Counts { invalidated: counts.get(0)?.as_u64()?, previously_invalidated: counts.get(1)?.as_u64()? };
    job.segments = u32::try_from(value.get("segments")?.as_u64()?).ok()?;
    job.started = value.get("started")?.as_bool()?;
    job.own = time("own")?;
    job.fixed = time("fixed")?;
    job.group = match value.get("group")? {
        Value::Null => None,
        group => Some(RealmGroup {
            realm_digest: group.get(0)?.as_str()?.to_string(),
            mark: match group.get(1)? {
                Value::Null => None,
                mark => Some(mark.as_u64()?),
            },
        }),
    };
    if let (Scope::User(user), Some(group)) = (&job.scope, &job.group) {
        let user = crate::codec::name_digest(user);
        job.singles = crate::bulk_listing::Listing::new(keys::invalidations_prefix(&group.realm_digest, Some(&user)));
    }
    job.tokens = job.tokens.restore(value.get("tokens")?)?;
    job.singles = job.singles.restore(value.get("singles")?)?;
    job.user_marks = job.user_marks.restore(value.get("user_marks")?)?;
    job.all_realm_marks = job.all_realm_marks.restore(value.get("all_realm_marks")?)?;
    Some(job)
}
