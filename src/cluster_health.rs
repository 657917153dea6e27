//! `GET /_cluster/health[/{index}]` (§12), as ES's `RestClusterHealthAction`,
//! `TransportClusterHealthAction` and `ClusterHealthResponse` rule it: the query parameters
//! read and refused as ES refuses them (before authorization), then ES's body in ES's order.
//!
//! The cluster is this service: one node, which holds data, and no indices or shards. Its status
//! is honest: `green` when the store answers a read ([`PROBE_KEY`], one KV read that finds
//! nothing), `red` when it does not. A `wait_for_*` condition that does not hold is waited for as
//! ES waits, until `timeout` (30 s by default, at most [`MAX_WAIT_MS`]): the host re-reads the
//! probe when the store is what the wait depends on (at most once a second, [`wait_step`]), and
//! answers ES's 408 (`timed_out: true`) when the time has run out.

use serde_json::{json, Map, Value};

use crate::errors::{illegal_argument, Cause, Reply};
use crate::routes::query_params;
use crate::settings::parse_time_value;

/// The key read to learn whether the store answers; nothing is ever written there.
pub const PROBE_KEY: &str = "health:probe";
/// The cluster name the service gives (GET / answers the same).
pub const CLUSTER_NAME: &str = "edge-token";
const NUMBER_OF_NODES: i64 = 1;
/// ES's default `timeout` for the waits.
const DEFAULT_TIMEOUT_MS: u64 = 30_000;
/// The longest wait: about one KV read a second keeps a request far inside Workers' budget of
/// 1,000 KV operations.
pub const MAX_WAIT_MS: u64 = 60_000;
/// The most time between two reads of the probe.
const PROBE_INTERVAL_MS: u64 = 1_000;

/// The parameters of one request, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthRequest {
    indices: Vec<String>,
    /// 0 green, 1 yellow, 2 red (ES's `ClusterHealthStatus.value()`).
    wait_for_status: Option<u8>,
    wait_for_active_shards: Option<ActiveShards>,
    wait_for_nodes: Option<String>,
    level_indices: bool,
    human: bool,
    timeout_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum ActiveShards {
    All,
    AtLeast(u32),
}

/// The request of `index` (the path's, if any) and `uri`'s query, or ES's 400.
pub fn parse(index: Option<&str>, uri: &str) -> Result<HealthRequest, Reply> {
    let params = query_params(uri);
    let param = |name: &str| params.iter().rev().find(|(key, _)| key == name).map(|(_, value)| value.as_str());
    for name in ["local", "wait_for_no_relocating_shards", "wait_for_no_initializing_shards", "human"] {
        boolean(param(name))?;
    }
    let mut timeout_ms = DEFAULT_TIMEOUT_MS;
    for name in ["timeout", "master_timeout"] {
        if let Some(value) = param(name) {
            let millis = time(name, value)?;
            if name == "timeout" {
                timeout_ms = millis.unwrap_or(DEFAULT_TIMEOUT_MS).min(MAX_WAIT_MS);
            }
        }
    }
    if param("wait_for_relocating_shards").is_some() {
        return Err(illegal_argument(
            "wait_for_relocating_shards has been removed, use wait_for_no_relocating_shards [true/false] instead",
        ));
    }
    if let Some(events) = param("wait_for_events") {
        const PRIORITIES: [&str; 6] = ["IMMEDIATE", "URGENT", "HIGH", "NORMAL", "LOW", "LANGUID"];
        let upper = events.to_ascii_uppercase();
        if !PRIORITIES.contains(&upper.as_str()) {
            return Err(illegal_argument(format!("No enum constant org.elasticsearch.common.Priority.{upper}")));
        }
    }
    for wildcard in param("expand_wildcards").map(|list| list.split(',')).into_iter().flatten() {
        if !["open", "closed", "hidden", "none", "all"].contains(&wildcard) {
            return Err(illegal_argument(format!("No valid expand wildcard value [{wildcard}]")));
        }
    }
    let level = param("level").unwrap_or("cluster").to_ascii_lowercase();
    if !["cluster", "indices", "shards"].contains(&level.as_str()) {
        return Err(illegal_argument(format!(
            "level parameter must be one of [cluster] or [indices] or [shards] but was [{}]",
            param("level").unwrap_or("")
        )));
    }
    Ok(HealthRequest {
        indices: index
            .map(|list| list.split(',').map(str::trim).filter(|n| !n.is_empty()).map(String::from).collect())
            .unwrap_or_default(),
        wait_for_status: param("wait_for_status").map(status_value).transpose()?,
        wait_for_active_shards: param("wait_for_active_shards").map(active_shards).transpose()?.flatten(),
        wait_for_nodes: param("wait_for_nodes").filter(|nodes| !nodes.is_empty()).map(String::from),
        level_indices: level != "cluster",
        human: boolean(param("human"))?,
        timeout_ms,
    })
}

/// ES's `paramAsBoolean`: absent is false, empty is true, else `true` or `false`.
fn boolean(value: Option<&str>) -> Result<bool, Reply> {
    match value {
        None | Some("false") => Ok(false),
        Some("" | "true") => Ok(true),
        Some(other) => {
            Err(illegal_argument(format!("Failed to parse value [{other}] as only [true] or [false] are allowed.")))
        }
    }
}

/// ES's `paramAsTime` (`TimeValue.parseTimeValue`): `-1` (no limit: `None`) and `0` need no
/// unit.
fn time(name: &str, value: &str) -> Result<Option<u64>, Reply> {
    match value {
        "-1" => Ok(None),
        "0" => Ok(Some(0)),
        _ => parse_time_value(name, value).map(Some),
    }
}

fn status_value(text: &str) -> Result<u8, Reply> {
    match text.to_ascii_uppercase().as_str() {
        "GREEN" => Ok(0),
        "YELLOW" => Ok(1),
        "RED" => Ok(2),
        other => Err(illegal_argument(format!(
            "No enum constant org.elasticsearch.cluster.health.ClusterHealthStatus.{other}"
        ))),
    }
}

/// ES's `ActiveShardCount.parseString`, `None` for the count that waits for nothing (0).
fn active_shards(text: &str) -> Result<Option<ActiveShards>, Reply> {
    if text == "all" {
        return Ok(Some(ActiveShards::All));
    }
    match java_int(text) {
        Ok(n) if n < 0 => Err(illegal_argument("shard count cannot be a negative value")),
        Ok(0) => Ok(None),
        Ok(n) => Ok(Some(ActiveShards::AtLeast(u32::try_from(n).unwrap_or(u32::MAX)))),
        Err(_) => {
            let cause = Cause::new("number_format_exception", format!("For input string: \"{text}\""));
            let error = Cause::new("illegal_argument_exception", format!("cannot parse ActiveShardCount[{text}]"));
            Err(error.caused_by(cause).into_reply(400))
        }
    }
}

/// Java's `Integer.parseInt`, with its error.
fn java_int(text: &str) -> Result<i64, Reply> {
    let digits = text.strip_prefix('+').unwrap_or(text);
    let valid = !digits.is_empty() && digits.trim_start_matches('-').chars().all(|c| c.is_ascii_digit());
    match digits.parse::<i32>() {
        Ok(n) if valid => Ok(i64::from(n)),
        _ => Err(Cause::new("number_format_exception", format!("For input string: \"{text}\"")).into_reply(400)),
    }
}

/// How the node count compares with the expected count.
type Comparison = fn(i64, i64) -> bool;

/// Whether `wait_for_nodes` (`N`, `>=N`, `ge(N)`, `<=N`, `le(N)`, `>N`, `gt(N)`, `<N`, `lt(N)`)
/// holds for this one node.
fn nodes_condition(spec: &str) -> Result<bool, Reply> {
    let wrapped = |prefix: &str| spec.strip_prefix(prefix).and_then(|rest| rest.strip_suffix(')'));
    let checks: [(Option<&str>, Comparison); 8] = [
        (spec.strip_prefix(">="), |n, e| n >= e),
        (wrapped("ge("), |n, e| n >= e),
        (spec.strip_prefix("<="), |n, e| n <= e),
        (wrapped("le("), |n, e| n <= e),
        (spec.strip_prefix('>'), |n, e| n > e),
        (wrapped("gt("), |n, e| n > e),
        (spec.strip_prefix('<'), |n, e| n < e),
        (wrapped("lt("), |n, e| n < e),
    ];
    for (expected, holds) in checks {
        if let Some(expected) = expected {
            return Ok(holds(NUMBER_OF_NODES, java_int(expected)?));
        }
    }
    Ok(NUMBER_OF_NODES == java_int(spec)?)
}

/// Whether an index expression names an index that would have to exist: no wildcard, not
/// `_all`, not an exclusion.
fn names_concrete_index(name: &str) -> bool {
    name != "_all" && !name.contains('*') && !name.starts_with('-')
}

/// How long the request may wait in all (its `timeout`, bounded).
pub fn timeout_ms(request: &HealthRequest) -> u64 {
    request.timeout_ms
}

/// The status: green when the store answered and no index named is missing (they all are).
fn status(request: &HealthRequest, store_answered: bool) -> u8 {
    let missing_index = request.indices.iter().any(|name| names_concrete_index(name));
    if store_answered && !missing_index {
        0
    } else {
        2
    }
}

/// Whether every `wait_for_*` condition holds; a bad `wait_for_nodes` is ES's 400.
fn waits_hold(request: &HealthRequest, store_answered: bool) -> Result<bool, Reply> {
    let status = status(request, store_answered);
    let mut met = !request.indices.iter().any(|name| names_concrete_index(name));
    if let Some(wanted) = request.wait_for_status {
        met &= status <= wanted;
    }
    if let Some(shards) = request.wait_for_active_shards {
        // No shards: all of them are active, and none is.
        met &= shards == ActiveShards::All;
    }
    if let Some(spec) = &request.wait_for_nodes {
        met &= nodes_condition(spec)?;
    }
    Ok(met)
}

/// While a wait does not hold and `remaining_ms` is left: how long the host waits before it
/// reads the probe again (at most a second when a store that answers would satisfy the wait,
/// else all the time left, since nothing else changes). `None`: answer now with [`answer`].
pub fn wait_step(request: &HealthRequest, store_answered: bool, remaining_ms: u64) -> Option<u64> {
    if remaining_ms == 0 || waits_hold(request, store_answered).unwrap_or(true) {
        return None;
    }
    let store_would_do = !store_answered && waits_hold(request, true).unwrap_or(false);
    Some(if store_would_do { remaining_ms.min(PROBE_INTERVAL_MS) } else { remaining_ms })
}

/// ES's answer for `request`, the store having answered (`store_answered`) or not, once the
/// waits hold or the time has run out: 200, or 408 when a wait does not hold; a bad
/// `wait_for_nodes` is ES's 400.
pub fn answer(request: &HealthRequest, store_answered: bool) -> Reply {
    let timed_out = match waits_hold(request, store_answered) {
        Ok(met) => !met,
        Err(reply) => return reply,
    };
    let status = status(request, store_answered);
    Reply::new(if timed_out { 408 } else { 200 }, body(request, status, timed_out))
}

fn body(request: &HealthRequest, status: u8, timed_out: bool) -> Value {
    let name = ["green", "yellow", "red"].get(usize::from(status)).copied().unwrap_or("red");
    let mut out = Map::new();
    let mut put = |key: &str, value: Value| {
        out.insert(key.to_string(), value);
    };
    put("cluster_name", json!(CLUSTER_NAME));
    put("status", json!(name));
    put("timed_out", json!(timed_out));
    put("number_of_nodes", json!(NUMBER_OF_NODES));
    put("number_of_data_nodes", json!(NUMBER_OF_NODES));
    for shards in [
        "active_primary_shards",
        "active_shards",
        "relocating_shards",
        "initializing_shards",
        "unassigned_shards",
        "unassigned_primary_shards",
        "delayed_unassigned_shards",
        "number_of_pending_tasks",
        "number_of_in_flight_fetch",
    ] {
        put(shards, json!(0));
    }
    if request.human {
        put("task_max_waiting_in_queue", json!("0s"));
    }
    put("task_max_waiting_in_queue_millis", json!(0));
    // No shards at all counts as all of them active (ES's ClusterStateHealth).
    if request.human {
        put("active_shards_percent", json!("100.0%"));
    }
    put("active_shards_percent_as_number", json!(100.0));
    if request.level_indices {
        put("indices", json!({}));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(index: Option<&str>, uri: &str, store: bool) -> Reply {
        parse(index, uri).map_or_else(|problem| problem, |request| answer(&request, store))
    }

    fn error(reply: &Reply) -> (u16, String, String) {
        let text = |p: &str| reply.body.pointer(p).and_then(Value::as_str).unwrap_or("").to_string();
        (reply.status, text("/error/type"), text("/error/reason"))
    }

    #[test]
    fn green_in_es_order_and_red_when_the_store_fails() {
        let green = reply(None, "/_cluster/health", true);
        assert_eq!(green.status, 200);
        let text = serde_json::to_string(&green.body).unwrap_or_default();
        assert_eq!(
            text,
            r#"{"cluster_name":"edge-token","status":"green","timed_out":false,"number_of_nodes":1,"number_of_data_nodes":1,"active_primary_shards":0,"active_shards":0,"relocating_shards":0,"initializing_shards":0,"unassigned_shards":0,"unassigned_primary_shards":0,"delayed_unassigned_shards":0,"number_of_pending_tasks":0,"number_of_in_flight_fetch":0,"task_max_waiting_in_queue_millis":0,"active_shards_percent_as_number":100.0}"#
        );
        let red = reply(None, "/_cluster/health", false);
        assert_eq!((red.status, &red.body["status"]), (200, &json!("red")));
        let human = reply(None, "/_cluster/health?human&level=INDICES", true).body;
        let keys: Vec<&str> = human.as_object().map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default();
        assert_eq!(
            keys.get(14..).unwrap_or_default(),
            [
                "task_max_waiting_in_queue",
                "task_max_waiting_in_queue_millis",
                "active_shards_percent",
                "active_shards_percent_as_number",
                "indices"
            ]
        );
        assert_eq!(human["active_shards_percent"], "100.0%");
    }

    #[test]
    fn waits_that_hold_and_waits_that_time_out() {
        let rows = [
            (None, "?wait_for_status=green&timeout=5s", true, 200, "green"),
            (None, "?wait_for_status=yellow", true, 200, "green"),
            (None, "?wait_for_status=green", false, 408, "red"),
            (None, "?wait_for_status=red", false, 200, "red"),
            (None, "?wait_for_active_shards=all&wait_for_nodes=%3E%3D1", true, 200, "green"),
            (None, "?wait_for_active_shards=1", true, 408, "green"),
            (None, "?wait_for_active_shards=0&wait_for_nodes=lt(1)", true, 408, "green"),
            (None, "?wait_for_nodes=1&wait_for_no_relocating_shards=true", true, 200, "green"),
            (Some("*,_all"), "", true, 200, "green"),
            (Some("logs,*"), "", true, 408, "red"),
        ];
        for (index, query, store, status, health) in rows {
            let got = reply(index, &format!("/_cluster/health{query}"), store);
            assert_eq!((got.status, got.body["status"].as_str()), (status, Some(health)), "{index:?} {query}");
            assert_eq!(got.body["timed_out"], status == 408, "{query}");
        }
    }

    #[test]
    fn es_refusals_of_parameters() {
        let rows = [
            (
                "?wait_for_status=purple",
                "illegal_argument_exception",
                "No enum constant org.elasticsearch.cluster.health.ClusterHealthStatus.PURPLE",
            ),
            (
                "?level=nodes",
                "illegal_argument_exception",
                "level parameter must be one of [cluster] or [indices] or [shards] but was [nodes]",
            ),
            (
                "?local=yes",
                "illegal_argument_exception",
                "Failed to parse value [yes] as only [true] or [false] are allowed.",
            ),
            (
                "?timeout=5",
                "illegal_argument_exception",
                "failed to parse setting [timeout] with value [5] as a time value: unit is missing or unrecognized",
            ),
            (
                "?wait_for_relocating_shards=0",
                "illegal_argument_exception",
                "wait_for_relocating_shards has been removed, use wait_for_no_relocating_shards [true/false] instead",
            ),
            ("?wait_for_active_shards=some", "illegal_argument_exception", "cannot parse ActiveShardCount[some]"),
            (
                "?wait_for_active_shards=index-setting",
                "illegal_argument_exception",
                "cannot parse ActiveShardCount[index-setting]",
            ),
            ("?wait_for_active_shards=-2", "illegal_argument_exception", "shard count cannot be a negative value"),
            (
                "?wait_for_events=soon",
                "illegal_argument_exception",
                "No enum constant org.elasticsearch.common.Priority.SOON",
            ),
            ("?expand_wildcards=open,shut", "illegal_argument_exception", "No valid expand wildcard value [shut]"),
            ("?wait_for_nodes=>=x", "number_format_exception", "For input string: \"x\""),
        ];
        for (query, kind, reason) in rows {
            let got = error(&reply(None, &format!("/_cluster/health{query}"), true));
            assert_eq!(got, (400, kind.to_string(), reason.to_string()), "{query}");
        }
    }
}
