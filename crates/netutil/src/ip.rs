//! [`is_valid_ip`]: the numeric-address test Tornado runs on `X-Real-Ip`
//! and `X-Forwarded-For`.
//!
//! Tornado asks `getaddrinfo` with `AI_NUMERICHOST`, after Python has passed
//! the string through its IDNA codec. This module reproduces what glibc
//! accepts, without a system call: the classic `inet_aton` forms for IPv4
//! (`127.1`, `0x7f.0.0.1`, octal `0177.0.0.1`), `inet_pton` for IPv6, and an
//! IPv6 scope id after `%` (a number, or an interface name on link-local
//! addresses). IDNA adds one rule: no dot-separated label may be longer
//! than 63 bytes.

use std::path::Path;

/// The longest label Python's IDNA codec lets through.
const MAX_LABEL: usize = 63;

/// Interface names are shorter than `IFNAMSIZ` (16) bytes.
const MAX_IFNAME: usize = 15;

/// True if `ip` is a well-formed numeric IPv4 or IPv6 address
/// (Tornado's `netutil.is_valid_ip`).
///
/// ```
/// use tornado_netutil::is_valid_ip;
/// assert!(is_valid_ip("127.0.0.1"));
/// assert!(is_valid_ip("2620:0:1cfe:face:b00c::3"));
/// assert!(is_valid_ip("127.1")); // inet_aton shorthand, as in Tornado
/// assert!(!is_valid_ip("localhost"));
/// assert!(!is_valid_ip(" 127.0.0.1"));
/// ```
pub fn is_valid_ip(ip: &str) -> bool {
    // getaddrinfo resolves "" to localhost and stops at a NUL; Tornado
    // refuses both up front; `labels_fit` checks for the NUL. Non-ASCII
    // text is refused too (see docs/deviations.md: Python's IDNA mapping
    // would fold some of it).
    if ip.is_empty() || !labels_fit(ip) {
        return false;
    }
    let bytes = ip.as_bytes();
    if parse_inet_aton(bytes).is_some() {
        return true;
    }
    match ip.split_once('%') {
        None => parse_inet_pton6(bytes).is_some(),
        Some((addr, scope)) => match parse_inet_pton6(addr.as_bytes()) {
            Some(octets) => valid_scope(&octets, scope),
            None => false,
        },
    }
}

/// Python's IDNA codec refuses empty labels (except a final one, for a
/// trailing dot) and labels of 64 bytes or more.
///
/// One pass that also refuses NUL and non-ASCII bytes.
fn labels_fit(s: &str) -> bool {
    let mut label_len = 0usize;
    for &b in s.as_bytes() {
        match b {
            0 | 0x80.. => return false,
            b'.' => {
                if label_len == 0 {
                    return false;
                }
                label_len = 0;
            }
            _ => {
                label_len += 1;
                if label_len > MAX_LABEL {
                    return false;
                }
            }
        }
    }
    true
}

/// glibc's `inet_aton` (exact form: nothing may follow the address): one to
/// four parts separated by dots, each a C integer literal (decimal, `0`
/// octal or `0x` hex); the last part fills the remaining bytes.
pub(crate) fn parse_inet_aton(s: &[u8]) -> Option<u32> {
    let mut parts = [0u64; 3];
    let mut n = 0;
    let mut i = 0;
    let last = loop {
        if !s.get(i)?.is_ascii_digit() {
            return None;
        }
        let (value, next) = parse_c_integer(s, i)?;
        i = next;
        if s.get(i) == Some(&b'.') {
            if n == 3 || value > 0xff {
                return None;
            }
            parts[n] = value;
            n += 1;
            i += 1;
        } else {
            break value;
        }
    };
    if i != s.len() {
        return None;
    }
    let max_last: u64 = match n {
        0 => 0xffff_ffff,
        1 => 0x00ff_ffff,
        2 => 0xffff,
        _ => 0xff,
    };
    if last > max_last {
        return None;
    }
    let mut value = last;
    for (k, part) in parts[..n].iter().enumerate() {
        value |= part << (24 - 8 * k);
    }
    u32::try_from(value).ok()
}

/// `strtoul(s, &end, 0)` starting at a digit: returns the value and the
/// index after the digits consumed; `None` on overflow (`ERANGE`).
fn parse_c_integer(s: &[u8], start: usize) -> Option<(u64, usize)> {
    let (radix, mut i) = if s[start] == b'0' {
        match (s.get(start + 1), s.get(start + 2)) {
            (Some(b'x' | b'X'), Some(c)) if c.is_ascii_hexdigit() => (16, start + 2),
            _ => (8, start),
        }
    } else {
        (10, start)
    };
    let mut value: u64 = 0;
    while let Some(digit) = s.get(i).and_then(|c| (*c as char).to_digit(radix)) {
        value = value
            .checked_mul(u64::from(radix))?
            .checked_add(u64::from(digit))?;
        i += 1;
    }
    Some((value, i))
}

/// glibc's `inet_pton(AF_INET6, ...)`: up to eight groups of one to four
/// hex digits, one `::`, and an optional dotted IPv4 tail.
pub(crate) fn parse_inet_pton6(s: &[u8]) -> Option<[u8; 16]> {
    let mut out = [0u8; 16];
    let mut tp = 0usize;
    let mut colon_at: Option<usize> = None;
    let mut i = 0usize;
    if s.is_empty() {
        return None;
    }
    // A leading "::" needs care: a single leading ':' is an error.
    if s[0] == b':' {
        i = 1;
        if s.get(1) != Some(&b':') {
            return None;
        }
    }
    let mut token_start = i;
    let mut digits = 0;
    let mut value: u32 = 0;
    while i < s.len() {
        let ch = s[i];
        i += 1;
        if let Some(d) = (ch as char).to_digit(16) {
            if digits == 4 {
                return None;
            }
            value = (value << 4) | d;
            digits += 1;
            continue;
        }
        if ch == b':' {
            token_start = i;
            if digits == 0 {
                if colon_at.is_some() {
                    return None;
                }
                colon_at = Some(tp);
                continue;
            } else if i == s.len() {
                return None; // a trailing single ':'
            }
            if tp + 2 > 16 {
                return None;
            }
            out[tp] = (value >> 8) as u8;
            out[tp + 1] = value as u8;
            tp += 2;
            digits = 0;
            value = 0;
            continue;
        }
        if ch == b'.' && tp + 4 <= 16 {
            let v4 = parse_inet_pton4(&s[token_start..])?;
            out[tp..tp + 4].copy_from_slice(&v4);
            tp += 4;
            digits = 0;
            break;
        }
        return None;
    }
    if digits > 0 {
        if tp + 2 > 16 {
            return None;
        }
        out[tp] = (value >> 8) as u8;
        out[tp + 1] = value as u8;
        tp += 2;
    }
    if let Some(at) = colon_at {
        if tp == 16 {
            return None; // "::" would stand for no group at all
        }
        let moved = tp - at;
        out.copy_within(at..tp, 16 - moved);
        out[at..16 - moved].fill(0);
        tp = 16;
    }
    (tp == 16).then_some(out)
}

/// glibc's `inet_pton(AF_INET, ...)`: exactly four decimal parts of at most
/// 255, without leading zeros.
fn parse_inet_pton4(s: &[u8]) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut octets = 0;
    let mut saw_digit = false;
    let mut current: u32 = 0;
    for &ch in s {
        if ch.is_ascii_digit() {
            if saw_digit && current == 0 {
                return None; // leading zero
            }
            current = current * 10 + u32::from(ch - b'0');
            if current > 255 {
                return None;
            }
            if !saw_digit {
                octets += 1;
                if octets > 4 {
                    return None;
                }
                saw_digit = true;
            }
            out[octets - 1] = current as u8;
        } else if ch == b'.' && saw_digit {
            if octets == 4 {
                return None;
            }
            saw_digit = false;
            current = 0;
        } else {
            return None;
        }
    }
    (octets == 4 && saw_digit).then_some(out)
}

/// glibc's scope-id rule: an interface name is tried on link-local and
/// node- or link-local multicast addresses, then a decimal number up to
/// `u32::MAX`.
fn valid_scope(addr: &[u8; 16], scope: &str) -> bool {
    let link_scoped = (addr[0] == 0xfe && addr[1] & 0xc0 == 0x80)
        || (addr[0] == 0xff && matches!(addr[1] & 0x0f, 1 | 2));
    if link_scoped && interface_exists(scope) {
        return true;
    }
    !scope.is_empty()
        && scope.bytes().all(|b| b.is_ascii_digit())
        && scope
            .bytes()
            .try_fold(0u64, |v, b| {
                v.checked_mul(10)?.checked_add(u64::from(b - b'0'))
            })
            .is_some_and(|v| v <= u64::from(u32::MAX))
}

/// `if_nametoindex` without `unsafe`: the kernel lists interfaces in
/// `/sys/class/net` (Linux). Elsewhere names are never valid.
fn interface_exists(name: &str) -> bool {
    if name.is_empty()
        || name.len() > MAX_IFNAME
        || name.contains('/')
        || name == "."
        || name == ".."
    {
        return false;
    }
    cfg!(target_os = "linux") && Path::new("/sys/class/net").join(name).exists()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    #[test]
    fn inet_aton_forms() {
        assert_eq!(parse_inet_aton(b"127.1"), Some(0x7f00_0001));
        assert_eq!(parse_inet_aton(b"0x7f.0.0.1"), Some(0x7f00_0001));
        assert_eq!(parse_inet_aton(b"0177.0.0.1"), Some(0x7f00_0001));
        assert_eq!(parse_inet_aton(b"1.2.65535"), Some(0x0102_ffff));
        assert_eq!(parse_inet_aton(b"4294967295"), Some(u32::MAX));
        assert_eq!(parse_inet_aton(b"4294967296"), None);
        assert_eq!(parse_inet_aton(b"08"), None);
        assert_eq!(parse_inet_aton(b"0x"), None);
        assert_eq!(parse_inet_aton(b"1.2.3.4.5"), None);
        assert_eq!(parse_inet_aton(b"99999999999999999999999"), None);
    }

    #[test]
    fn inet_pton6_matches_std_on_canonical_forms() {
        for s in [
            "::",
            "::1",
            "1:2:3:4:5:6:7:8",
            "::ffff:1.2.3.4",
            "fe80::1",
            "1::",
        ] {
            let std: Ipv6Addr = s.parse().unwrap();
            assert_eq!(parse_inet_pton6(s.as_bytes()), Some(std.octets()), "{s}");
        }
        assert_eq!(parse_inet_pton6(b"1:2:3:4::5:6:7:8"), None);
        assert_eq!(
            parse_inet_pton6(b"1:2:3:4:5:6:7::"),
            Some({
                let mut o = [0u8; 16];
                for k in 0..7 {
                    o[2 * k + 1] = k as u8 + 1;
                }
                o
            })
        );
    }

    #[test]
    fn inet_pton4_rules() {
        assert_eq!(
            parse_inet_pton4(b"1.2.3.4"),
            Some(Ipv4Addr::new(1, 2, 3, 4).octets())
        );
        assert_eq!(parse_inet_pton4(b"1.2.3.04"), None);
        assert_eq!(parse_inet_pton4(b"1.2.3"), None);
        assert_eq!(parse_inet_pton4(b"1.2.3.4."), None);
        assert_eq!(parse_inet_pton4(b"256.2.3.4"), None);
    }
}
