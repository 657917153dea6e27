//! The request's address as the service records it, and who is one client to the login throttle
//! (`crate::login_throttle`), and the keys its state is under. The host passes the address text
//! its platform vouches for (`CF-Connecting-IP`, a socket's peer), as it is; this module owns
//! every rule on it. The audit trail records it ([`address`]: `origin.address`), and the throttle
//! names the client from that same text, so the two never disagree. An IPv6 client is its /64:
//! an ordinary host or home line is given a whole /64 and may use any address in it, so keyed by
//! full address one machine would be 2^64 clients, each with a fresh back-off. An IPv4-mapped
//! address (`::ffff:192.0.2.1`, as a dual-stack socket reports an IPv4 peer) is that IPv4 address.

use std::net::{IpAddr, Ipv6Addr};

/// The address is recorded cut to this many characters (Unicode code points, never half of
/// one), so that audit lines and keys stay bounded whatever the host passes.
const MAX_TEXT: usize = 64;

/// The address of a request whose host gave none; as a client, everyone at once.
pub const UNKNOWN: &str = "unknown";

/// The address as the service records it (the audit's `origin.address`), from the host's text:
/// none or empty is [`UNKNOWN`], other text its first 64 characters, as it is (not trimmed). For
/// ASCII, the cut is the one the JavaScript host made before (64 UTF-16 units); other text is cut
/// at 64 code points, so a character is never split.
pub fn address(raw: Option<&str>) -> String {
    match raw {
        None | Some("") => UNKNOWN.to_string(),
        Some(text) => text.chars().take(MAX_TEXT).collect(),
    }
}

/// The client of the host's address text `raw`, read from the address as recorded ([`address`]):
/// an IPv4 address in its usual form, an IPv6 one as its /64 (`2001:db8:1:2::/64`), text that is
/// no address as it is (trimmed), none or blank [`UNKNOWN`].
pub fn client_key(raw: Option<&str>) -> String {
    let recorded = address(raw);
    let text = recorded.trim();
    if text.is_empty() {
        return UNKNOWN.to_string();
    }
    match parse(text) {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let [a, b, c, d, ..] = v6.segments();
                format!("{}/64", Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0))
            }
        },
        None => text.to_string(),
    }
}

/// The throttle's key for a client and username: the username's key (which has no space), a
/// space, the client (of the host's address text `raw`).
pub fn pair_key(key: &str, raw: Option<&str>) -> String {
    format!("{key} {}", client_key(raw))
}

/// The key of the client's own bucket, from its pair's key: it has a space, as a pair's does,
/// but no username's key is `client`, so it meets neither a pair's nor a username's. None for
/// the [`UNKNOWN`] client: being everyone, its bucket would refuse every username to every
/// client after 100 failed logins (its pairs' back-offs and the usernames' buckets still apply).
pub fn client_slot(pair: &str) -> Option<String> {
    let client = pair.split_once(' ').map_or("", |(_, client)| client);
    (client != UNKNOWN).then(|| format!("client {client}"))
}

/// An address in any of its text forms: bracketed (`[2001:db8::1]`, with a `:port` after it or
/// not), with a zone (`fe80::1%eth0`: the zone names the host's own interface, not the client).
fn parse(text: &str) -> Option<IpAddr> {
    let text = match text.strip_prefix('[') {
        Some(rest) => {
            let (inside, after) = rest.split_once(']')?;
            let port = |p: &str| !p.is_empty() && p.bytes().all(|byte| byte.is_ascii_digit());
            if !after.is_empty() && !after.strip_prefix(':').is_some_and(port) {
                return None;
            }
            inside
        }
        None => text,
    };
    let text = match text.split_once('%') {
        Some((address, zone)) if text.contains(':') && !zone.is_empty() => address,
        _ => text,
    };
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_by_address_and_ipv6_by_its_64() {
        let key = |address: &str| client_key(Some(address));
        for (address, client) in [
            ("192.0.2.1", "192.0.2.1"),
            (" 192.0.2.1 ", "192.0.2.1"),
            ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
            ("2001:db8:1:2::78", "2001:db8:1:2::/64"),
            ("2001:0DB8:0001:0002:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
            ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
            ("2001:db8::1", "2001:db8::/64"),
            ("::1", "::/64"),
            ("fe80::1%eth0", "fe80::/64"),
            ("[2001:db8:1:2::5]", "2001:db8:1:2::/64"),
            ("[2001:db8:1:2::5]:443", "2001:db8:1:2::/64"),
            ("[fe80::1%25eth0]:80", "fe80::/64"),
            ("::ffff:192.0.2.1", "192.0.2.1"),
            ("::ffff:c000:201", "192.0.2.1"),
            ("[::ffff:192.0.2.1]:8080", "192.0.2.1"),
            // Not addresses: kept as they are.
            ("[2001:db8::1]:", "[2001:db8::1]:"),
            ("[2001:db8::1]x", "[2001:db8::1]x"),
            ("192.0.2.1%eth0", "192.0.2.1%eth0"),
            ("2001:db8::1%", "2001:db8::1%"),
            ("192.0.2.1:80", "192.0.2.1:80"),
            ("unknown", "unknown"),
        ] {
            assert_eq!(key(address), client, "{address}");
        }
        assert_eq!(client_key(None), "unknown");
        assert_eq!(client_key(Some("")), "unknown");
        assert_eq!(client_key(Some(&"é".repeat(100))), "é".repeat(64));
    }

    #[test]
    fn the_address_as_recorded_and_the_client_read_from_it() {
        let long_ipv6 = format!("{}2001:db8::1", " ".repeat(70));
        let astral = format!("{}\u{1F600}b", "a".repeat(63));
        for (raw, recorded, client) in [
            (None, "unknown", "unknown"),
            (Some(""), "unknown", "unknown"),
            (Some("unknown"), "unknown", "unknown"),
            (Some("192.0.2.1"), "192.0.2.1", "192.0.2.1"),
            // Recorded as the host gave it; the client is read from it trimmed.
            (Some(" 192.0.2.1 "), " 192.0.2.1 ", "192.0.2.1"),
            (Some("   "), "   ", "unknown"),
            // An IPv6 address is recorded whole; its client is the /64.
            (Some("2001:db8:1:2::7"), "2001:db8:1:2::7", "2001:db8:1:2::/64"),
            (Some("[2001:db8::5]:443"), "[2001:db8::5]:443", "2001:db8::/64"),
            (Some("::ffff:192.0.2.1"), "::ffff:192.0.2.1", "192.0.2.1"),
            // Cut before it is read: 64 spaces are no address.
            (Some(long_ipv6.as_str()), &" ".repeat(64), "unknown"),
            (Some(&"x".repeat(200)), &"x".repeat(64), &"x".repeat(64)),
            // 64 code points, never half a character (64 UTF-16 units would split the emoji).
            (Some(astral.as_str()), &format!("{}\u{1F600}", "a".repeat(63)), &format!("{}\u{1F600}", "a".repeat(63))),
            (Some(&"\u{e9}".repeat(100)), &"\u{e9}".repeat(64), &"\u{e9}".repeat(64)),
        ] {
            assert_eq!(address(raw), recorded, "{raw:?}");
            assert_eq!(client_key(raw), client, "{raw:?}");
            assert_eq!(client_key(Some(&address(raw))), client, "the client of the recorded text: {raw:?}");
        }
    }

    #[test]
    fn pairs_and_client_buckets_have_their_own_keys() {
        assert_eq!(pair_key("login:x", Some("2001:db8::9")), "login:x 2001:db8::/64");
        assert_eq!(client_slot("login:x 2001:db8::/64").as_deref(), Some("client 2001:db8::/64"));
        assert_eq!(client_slot("login:x odd text").as_deref(), Some("client odd text"));
        assert_eq!(client_slot(&pair_key("login:x", None)), None, "the unknown client has no bucket");
    }
}
