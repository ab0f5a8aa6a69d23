//! Property tests: whatever the message, a formatted line carries no
//! control character a terminal would act on, and escaping is lossless for
//! ordinary text.

use std::time::{Duration, UNIX_EPOCH};

use proptest::prelude::*;
use tornado_log::{AccessRecord, LogFormatter, escape_control, safe_unicode};

fn is_dangerous(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || ('\u{202a}'..='\u{202e}').contains(&c)
}

proptest! {
    #[test]
    fn formatted_lines_are_terminal_safe(message in "\\PC*|[\\x00-\\x1f\\x7f\\u{80}-\\u{9f}a-z]{0,40}", secs in 0u64..4_000_000_000) {
        let f = LogFormatter::new(false);
        let line = f.format(
            &log::Record::builder().level(log::Level::Warn).args(format_args!("{message}")).build(),
            UNIX_EPOCH + Duration::from_secs(secs),
        );
        prop_assert!(!line.chars().any(is_dangerous), "{:?}", line);
        // One output line per message line, continuation lines indented.
        prop_assert_eq!(line.split('\n').count(), message.split('\n').count());
        prop_assert!(line.split('\n').skip(1).all(|l| l.starts_with("    ")));
    }

    #[test]
    fn escaping_keeps_ordinary_text(text in "[^\\p{Cc}\\u{202a}-\\u{202e}\\u{2066}-\\u{2069}\\u{200e}\\u{200f}]*") {
        prop_assert_eq!(escape_control(&text), text.as_str());
    }

    #[test]
    fn safe_unicode_round_trips_utf8(text in "\\PC*") {
        prop_assert_eq!(safe_unicode(text.as_bytes()), text.as_str());
    }

    #[test]
    fn safe_unicode_of_bytes_is_ascii_when_invalid(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
        let shown = safe_unicode(&bytes);
        if std::str::from_utf8(&bytes).is_err() {
            prop_assert!(shown.is_ascii());
            prop_assert!(shown.starts_with("b'") || shown.starts_with("b\""));
        }
    }

    #[test]
    fn access_lines_are_safe(status in 100u16..600, uri in "\\PC*|[\\x00-\\x1f/a-z]{0,30}", micros in 0u64..10_000_000) {
        let r = AccessRecord::new(status, "GET", &uri, "127.0.0.1", Duration::from_micros(micros));
        let line = r.to_string();
        prop_assert!(!line.chars().any(|c| c.is_control()));
        let head = format!("{} GET ", status);
        prop_assert!(line.starts_with(&head));
        prop_assert!(line.ends_with("ms"));
    }
}
