//! A step counter for the linear-time tests: in test builds every inner
//! loop of a parser counts its iterations, so the tests can check that ten
//! times the input costs at most twenty times the steps without timing
//! anything. In other builds `step` compiles to nothing.

#[cfg(test)]
thread_local! {
    static STEPS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Counts one step of parsing work.
#[inline(always)]
pub(crate) fn step() {
    #[cfg(test)]
    STEPS.with(|s| s.set(s.get() + 1));
}

/// Runs `f` and returns how many steps it counted.
#[cfg(test)]
pub(crate) fn count_steps(f: impl FnOnce()) -> u64 {
    STEPS.with(|s| s.set(0));
    f();
    STEPS.with(|s| s.get())
}

#[cfg(test)]
mod tests {
    use super::count_steps;
    use crate::{HttpHeaders, parse_body_arguments, parse_cookie, parse_header};
    use tornado_escape::QueryArguments;

    /// Tornado's scaling rule: ten times the input may cost at most twenty
    /// times the work.
    fn assert_linear(make_input: impl Fn(usize) -> String, run: impl Fn(&str)) {
        let small = make_input(1_000);
        let large = make_input(10_000);
        let small_steps = count_steps(|| run(&small)).max(1);
        let large_steps = count_steps(|| run(&large));
        assert!(
            large_steps <= 20 * small_steps,
            "10x input cost {large_steps} steps vs {small_steps}"
        );
        assert!(small_steps > 1, "the parser counted no work");
    }

    #[test]
    fn cookie_with_escapes_is_linear() {
        assert_linear(
            |n| format!("a=\"{}\"; b={}", "\\".repeat(n), "\\\"".repeat(n)),
            |s| {
                parse_cookie(s);
            },
        );
        assert_linear(
            |n| "a=b;".repeat(n),
            |s| {
                parse_cookie(s);
            },
        );
    }

    #[test]
    fn header_params_full_of_semicolons_are_linear() {
        assert_linear(
            |n| format!("form-data; x=\"{}\"; name=\"f\"", ";".repeat(n)),
            |s| {
                parse_header(s);
            },
        );
        assert_linear(
            |n| format!("form-data{}", "; a=\"".repeat(n)),
            |s| {
                parse_header(s);
            },
        );
    }

    #[test]
    fn repeated_headers_are_linear() {
        assert_linear(
            |n| "X-Repeat: value\r\n".repeat(n),
            |s| {
                HttpHeaders::parse(s).unwrap();
            },
        );
        assert_linear(
            |n| (0..n).map(|i| format!("X-H{i}: v\r\n")).collect(),
            |s| {
                HttpHeaders::parse(s).unwrap();
            },
        );
    }

    #[test]
    fn multipart_params_full_of_semicolons_are_linear() {
        assert_linear(
            |n| {
                format!(
                    "--B\r\nContent-Disposition: form-data; x=\"{}\"; name=\"f\"\r\n\r\nv\r\n--B--",
                    ";".repeat(n)
                )
            },
            |s| {
                let (mut args, mut files) = (QueryArguments::new(), crate::HttpFiles::new());
                let config = crate::ParseBodyConfig::default().max_part_header_size(1 << 20);
                parse_body_arguments(
                    "multipart/form-data; boundary=B",
                    s.as_bytes(),
                    &mut args,
                    &mut files,
                    None,
                    &config,
                )
                .unwrap();
            },
        );
    }
}
