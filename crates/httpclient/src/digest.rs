//! HTTP Digest access authentication (RFC 7616 with MD5, as curl's
//! `auth_mode="digest"` in Tornado's `curl_httpclient`), and the MD5 it
//! needs (RFC 1321), written here rather than pulling in a crate for one
//! legacy hash.

use std::collections::hash_map::RandomState;
use std::fmt::Write as _;
use std::hash::BuildHasher;

/// MD5 of `data` (RFC 1321).
pub(crate) fn md5(data: &[u8]) -> [u8; 16] {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    // K[i] = floor(abs(sin(i + 1)) * 2^32).
    let k: [u32; 64] =
        std::array::from_fn(|i| ((i as f64 + 1.0).sin().abs() * 4_294_967_296.0) as u32);
    let mut state: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];
    let mut message = data.to_vec();
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&((data.len() as u64).wrapping_mul(8)).to_le_bytes());
    for block in message.chunks_exact(64) {
        let m: [u32; 16] = std::array::from_fn(|i| {
            u32::from_le_bytes([
                block[4 * i],
                block[4 * i + 1],
                block[4 * i + 2],
                block[4 * i + 3],
            ])
        });
        let [mut a, mut b, mut c, mut d] = state;
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let rotated = a
                .wrapping_add(f)
                .wrapping_add(k[i])
                .wrapping_add(m[g])
                .rotate_left(S[i]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(rotated);
        }
        state[0] = state[0].wrapping_add(a);
        state[1] = state[1].wrapping_add(b);
        state[2] = state[2].wrapping_add(c);
        state[3] = state[3].wrapping_add(d);
    }
    let mut out = [0u8; 16];
    for (i, word) in state.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&word.to_le_bytes());
    }
    out
}

fn md5_hex(data: &str) -> String {
    let mut out = String::with_capacity(32);
    for b in md5(data.as_bytes()) {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// A `Digest` challenge from `WWW-Authenticate`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Challenge {
    pub(crate) realm: String,
    pub(crate) nonce: String,
    pub(crate) opaque: Option<String>,
    /// The server offers `qop=auth`.
    pub(crate) qop_auth: bool,
}

/// Parses the `Digest` challenge among `WWW-Authenticate` values; `None`
/// when there is none, or it asks for an algorithm other than MD5 or a
/// `qop` other than `auth`.
pub(crate) fn parse_challenge<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Challenge> {
    for value in values {
        let value = value.trim();
        let Some(rest) = value
            .get(..7)
            .filter(|p| p.eq_ignore_ascii_case("digest "))
            .map(|_| &value[7..])
        else {
            continue;
        };
        let mut challenge = Challenge::default();
        let mut qop_offered = None;
        let mut nonce = None;
        for (name, param) in auth_params(rest)? {
            match name.to_ascii_lowercase().as_str() {
                "realm" => challenge.realm = param,
                "nonce" => nonce = Some(param),
                "opaque" => challenge.opaque = Some(param),
                "qop" => qop_offered = Some(param),
                "algorithm" if !param.eq_ignore_ascii_case("MD5") => return None,
                _ => {}
            }
        }
        challenge.nonce = nonce?;
        if let Some(qop) = qop_offered {
            challenge.qop_auth = qop
                .split(',')
                .any(|q| q.trim().eq_ignore_ascii_case("auth"));
            if !challenge.qop_auth {
                return None;
            }
        }
        return Some(challenge);
    }
    None
}

/// `name=token` or `name="quoted string"` pairs separated by commas.
fn auth_params(mut s: &str) -> Option<Vec<(String, String)>> {
    let mut params = Vec::new();
    loop {
        s = s.trim_start_matches([' ', '\t', ',']);
        if s.is_empty() {
            return Some(params);
        }
        let eq = s.find('=')?;
        let name = s[..eq].trim().to_owned();
        s = s[eq + 1..].trim_start();
        let value;
        if let Some(quoted) = s.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = quoted.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => out.push(chars.next()?.1),
                    '"' => {
                        end = Some(i + 1);
                        break;
                    }
                    c => out.push(c),
                }
            }
            value = out;
            s = &quoted[end?..];
        } else {
            let end = s.find(',').unwrap_or(s.len());
            value = s[..end].trim().to_owned();
            s = &s[end..];
        }
        params.push((name, value));
    }
}

/// A client nonce: 16 hex digits from the process's hash randomness.
fn cnonce() -> String {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{:016x}", RandomState::new().hash_one(seed))
}

fn quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The `Authorization` value answering `challenge` for `method` on `uri`.
pub(crate) fn authorization(
    challenge: &Challenge,
    username: &str,
    password: &str,
    method: &str,
    uri: &str,
) -> String {
    authorization_with_cnonce(challenge, username, password, method, uri, &cnonce())
}

fn authorization_with_cnonce(
    challenge: &Challenge,
    username: &str,
    password: &str,
    method: &str,
    uri: &str,
    cnonce: &str,
) -> String {
    let ha1 = md5_hex(&format!("{username}:{}:{password}", challenge.realm));
    let ha2 = md5_hex(&format!("{method}:{uri}"));
    let nc = "00000001";
    let response = if challenge.qop_auth {
        md5_hex(&format!(
            "{ha1}:{}:{nc}:{cnonce}:auth:{ha2}",
            challenge.nonce
        ))
    } else {
        md5_hex(&format!("{ha1}:{}:{ha2}", challenge.nonce))
    };
    let mut header = format!(
        "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{}\", response=\"{response}\", algorithm=MD5",
        quote(username),
        quote(&challenge.realm),
        quote(&challenge.nonce),
        quote(uri),
    );
    if let Some(opaque) = &challenge.opaque {
        let _ = write!(header, ", opaque=\"{}\"", quote(opaque));
    }
    if challenge.qop_auth {
        let _ = write!(header, ", qop=auth, nc={nc}, cnonce=\"{cnonce}\"");
    }
    header
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_matches_rfc_1321() {
        for (input, hex) in [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            (
                "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "57edf4a22be3c955ac49da2e2107b67a",
            ),
        ] {
            assert_eq!(md5_hex(input), hex, "{input}");
        }
    }

    #[test]
    fn digest_matches_rfc_2617_example() {
        let challenge = parse_challenge([
            r#"Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41""#,
        ])
        .unwrap();
        assert!(challenge.qop_auth);
        let header = authorization_with_cnonce(
            &challenge,
            "Mufasa",
            "Circle Of Life",
            "GET",
            "/dir/index.html",
            "0a4f113b",
        );
        assert!(
            header.contains(r#"response="6629fae49393a05397450978507c4ef1""#),
            "{header}"
        );
        assert!(header.contains(r#"opaque="5ccc069c403ebaf9f0171e9517f40e41""#));
        assert!(header.contains("qop=auth, nc=00000001"));
    }

    #[test]
    fn challenges_that_cannot_be_answered() {
        assert!(parse_challenge(["Basic realm=\"x\""]).is_none());
        assert!(parse_challenge([r#"Digest realm="x", nonce="n", algorithm=SHA-256"#]).is_none());
        assert!(parse_challenge([r#"Digest realm="x", nonce="n", qop="auth-int""#]).is_none());
        assert!(parse_challenge([r#"Digest realm="x""#]).is_none());
        assert!(parse_challenge([r#"Digest realm="unterminated"#]).is_none());
        let c = parse_challenge(["Basic realm=x", r#"Digest realm="a \"b\"", nonce=abc"#]).unwrap();
        assert_eq!(
            (c.realm.as_str(), c.nonce.as_str(), c.qop_auth),
            ("a \"b\"", "abc", false)
        );
    }

    proptest::proptest! {
        #[test]
        fn auth_params_round_trip(realm in "[ -~]{0,20}", nonce in "[a-zA-Z0-9]{1,20}") {
            let header = format!("Digest realm=\"{}\", nonce=\"{}\"", quote(&realm), nonce);
            let c = parse_challenge([header.as_str()]).unwrap();
            proptest::prop_assert_eq!(c.realm, realm);
            proptest::prop_assert_eq!(c.nonce, nonce);
        }
    }
}
