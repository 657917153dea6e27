//! Who is one client to the login throttle (`crate::login_throttle`), and the keys its state is
//! under. The host passes the address text its platform vouches for (`CF-Connecting-IP`, a
//! socket's peer); this module names the client. An IPv6 client is its /64: an ordinary host or
//! home line is given a whole /64 and may use any address in it, so keyed by full address one
//! machine would be 2^64 clients, each with a fresh back-off. An IPv4-mapped address
//! (`::ffff:192.0.2.1`, as a dual-stack socket reports an IPv4 peer) is that IPv4 address.

use std::net::{IpAddr, Ipv6Addr};

/// Address text kept as it is (one that does not parse) is cut to this many characters, so
/// that keys stay bounded whatever the host passes.
const MAX_TEXT: usize = 64;

/// The client of an attempt whose host gave no address: everyone at once.
pub const UNKNOWN: &str = "unknown";

/// The client of `address`: an IPv4 address in its usual form, an IPv6 one as its /64
/// (`2001:db8:1:2::/64`), text that is no address as it is (cut), none or empty [`UNKNOWN`].
pub fn client_key(address: Option<&str>) -> String {
    let text = address.unwrap_or("").trim();
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
        None => text.chars().take(MAX_TEXT).collect(),
    }
}

/// The throttle's key for a client and username: the username's key (which has no space), a
/// space, the client.
pub fn pair_key(key: &str, address: Option<&str>) -> String {
    format!("{key} {}", client_key(address))
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
    fn pairs_and_client_buckets_have_their_own_keys() {
        assert_eq!(pair_key("login:x", Some("2001:db8::9")), "login:x 2001:db8::/64");
        assert_eq!(client_slot("login:x 2001:db8::/64").as_deref(), Some("client 2001:db8::/64"));
        assert_eq!(client_slot("login:x odd text").as_deref(), Some("client odd text"));
        assert_eq!(client_slot(&pair_key("login:x", None)), None, "the unknown client has no bucket");
    }
}
