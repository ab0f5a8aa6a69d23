//! Property tests: every address the standard library formats is valid,
//! every `inet_aton` spelling of a 32-bit value is valid, and whatever the
//! standard library parses, `is_valid_ip` accepts too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use tornado_netutil::{AddressFamily, BlockingResolver, OverrideResolver, is_valid_ip};

proptest! {
    #[test]
    fn formatted_ipv4_round_trips(bits in any::<u32>()) {
        let addr = Ipv4Addr::from(bits);
        prop_assert!(is_valid_ip(&addr.to_string()));
    }

    #[test]
    fn formatted_ipv6_round_trips(bits in any::<u128>()) {
        let addr = Ipv6Addr::from(bits);
        prop_assert!(is_valid_ip(&addr.to_string()));
        // The fully expanded form too.
        let segments = addr.segments().map(|s| format!("{s:04x}")).join(":");
        prop_assert!(is_valid_ip(&segments));
    }

    #[test]
    fn numeric_scope_ids_are_valid(bits in any::<u128>(), scope in any::<u32>()) {
        let addr = Ipv6Addr::from(bits);
        let scoped = format!("{addr}%{scope}");
        prop_assert!(is_valid_ip(&scoped));
    }

    #[test]
    fn inet_aton_spellings_round_trip(bits in any::<u32>()) {
        let [a, b, c, d] = bits.to_be_bytes();
        let low16 = u32::from(c) << 8 | u32::from(d);
        let low24 = u32::from(b) << 16 | low16;
        for spelling in [
            format!("{bits}"),
            format!("0x{bits:x}"),
            format!("0X{bits:X}"),
            format!("0{bits:o}"),
            format!("{a}.{low24}"),
            format!("{a}.{b}.{low16}"),
            format!("0x{a:x}.0{b:o}.{c}.0x{d:02x}"),
        ] {
            prop_assert!(is_valid_ip(&spelling), "{}", spelling);
        }
    }

    #[test]
    fn std_parse_implies_valid(s in "[0-9a-fA-F:.]{1,40}") {
        if s.parse::<IpAddr>().is_ok() {
            prop_assert!(is_valid_ip(&s), "{}", s);
        }
    }

    #[test]
    fn whitespace_around_an_address_is_invalid(bits in any::<u32>(), pad in "[ \t\r\n]{1,3}") {
        let addr = Ipv4Addr::from(bits).to_string();
        let before = format!("{pad}{addr}");
        let after = format!("{addr}{pad}");
        prop_assert!(!is_valid_ip(&before));
        prop_assert!(!is_valid_ip(&after));
    }

    #[test]
    fn override_rewrite_round_trips(
        host in "[a-z]{1,10}\\.com",
        port in any::<u16>(),
        to_port in any::<u16>(),
    ) {
        let resolver = OverrideResolver::new(BlockingResolver::new())
            .map_host(&host, "127.0.0.1")
            .map_host_port(&host, port, "::1", to_port);
        prop_assert_eq!(
            resolver.rewrite(&host, port, AddressFamily::Unspec),
            ("::1".to_owned(), to_port)
        );
        let other = port.wrapping_add(1);
        prop_assert_eq!(
            resolver.rewrite(&host, other, AddressFamily::Inet),
            ("127.0.0.1".to_owned(), other)
        );
    }
}
