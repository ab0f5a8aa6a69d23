//! Mirrors `tornado/test/options_test.py` (names kept), plus tests of the
//! Rust additions (`--name value`, limits, errors).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tornado_options::{OptionDateTime, OptionDef, OptionParser, OptionType, OptionsError, Value};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

#[test]
fn test_parse_command_line() {
    let mut options = OptionParser::new();
    options.define(OptionDef::new("port").default(80)).unwrap();
    options
        .parse_command_line(["main.py", "--port=443"])
        .unwrap();
    assert_eq!(options.get_int("port").unwrap(), 443);
}

#[test]
fn test_parse_config_file() {
    let mut options = OptionParser::new();
    options.define(OptionDef::new("port").default(80)).unwrap();
    options
        .define(OptionDef::new("username").default("foo"))
        .unwrap();
    options.define(OptionDef::new("my_path")).unwrap();
    let config_path = std::path::absolute(data("options_test.cfg")).unwrap();
    options.parse_config_file(&config_path).unwrap();
    assert_eq!(options.get_int("port").unwrap(), 443);
    assert_eq!(options.get_str("username").unwrap(), "李康");
    assert_eq!(
        options.get_str("my_path").unwrap(),
        config_path.to_str().unwrap()
    );
}

#[test]
fn test_parse_callbacks() {
    let mut options = OptionParser::new();
    let called = Arc::new(AtomicUsize::new(0));
    let c = called.clone();
    options.add_parse_callback(move |_| {
        c.fetch_add(1, Ordering::SeqCst);
    });
    // A non-final parse does not run callbacks.
    options.parse_command_line_with(["main.py"], false).unwrap();
    assert_eq!(called.load(Ordering::SeqCst), 0);
    // A final parse does.
    options.parse_command_line(["main.py"]).unwrap();
    assert_eq!(called.load(Ordering::SeqCst), 1);
    // Callbacks run again on every final parse.
    options.parse_command_line(["main.py"]).unwrap();
    assert_eq!(called.load(Ordering::SeqCst), 2);
}

#[test]
fn test_help() {
    let mut options = OptionParser::new();
    let err = options
        .parse_command_line(["main.py", "--help"])
        .unwrap_err();
    assert!(matches!(err, OptionsError::HelpRequested));
    let usage = options.help_text("main.py");
    assert!(usage.contains("Usage:"), "{usage}");
}

#[test]
fn test_subcommand() {
    let mut base_options = OptionParser::new();
    base_options
        .define(OptionDef::new("verbose").default(false))
        .unwrap();
    let mut sub_options = OptionParser::new();
    sub_options
        .define(OptionDef::new("foo").ty(OptionType::Str))
        .unwrap();
    let rest = base_options
        .parse_command_line(["main.py", "--verbose", "subcommand", "--foo=bar"])
        .unwrap();
    assert_eq!(rest, ["subcommand", "--foo=bar"]);
    assert!(base_options.get_bool("verbose").unwrap());
    let rest2 = sub_options.parse_command_line(&rest).unwrap();
    assert!(rest2.is_empty());
    assert_eq!(sub_options.get_str("foo").unwrap(), "bar");
    // The two option sets are distinct.
    let err = sub_options
        .parse_command_line(["subcommand", "--verbose"])
        .unwrap_err();
    assert!(
        matches!(err, OptionsError::Unknown { ref name } if name == "verbose"),
        "{err}"
    );
}

#[test]
fn test_setattr() {
    let mut options = OptionParser::new();
    options
        .define(OptionDef::new("foo").default(1).ty(OptionType::Int))
        .unwrap();
    options.set("foo", 2).unwrap();
    assert_eq!(options.get_int("foo").unwrap(), 2);
}

#[test]
fn test_setattr_type_check() {
    // set() requires the right type and does not parse text.
    let mut options = OptionParser::new();
    options
        .define(OptionDef::new("foo").default(1).ty(OptionType::Int))
        .unwrap();
    let err = options.set("foo", "2").unwrap_err();
    assert!(matches!(err, OptionsError::WrongType { .. }));
    assert_eq!(err.to_string(), "option \"foo\" is required to be a int");
}

#[test]
fn test_setattr_with_callback() {
    let values = Arc::new(Mutex::new(Vec::new()));
    let v = values.clone();
    let mut options = OptionParser::new();
    options
        .define(
            OptionDef::new("foo")
                .default(1)
                .ty(OptionType::Int)
                .callback(move |_, value| {
                    v.lock().unwrap().push(value.clone());
                    Ok(())
                }),
        )
        .unwrap();
    options.set("foo", 2).unwrap();
    assert_eq!(*values.lock().unwrap(), [Value::Int(2)]);
}

fn sample_options() -> OptionParser {
    let mut options = OptionParser::new();
    options.define(OptionDef::new("a").default(1)).unwrap();
    options.define(OptionDef::new("b").default(2)).unwrap();
    options
}

#[test]
fn test_iter() {
    let options = sample_options();
    // Every parser defines "help".
    let mut names: Vec<&str> = options.names().collect();
    names.sort_unstable();
    assert_eq!(names, ["a", "b", "help"]);
}

#[test]
fn test_getitem() {
    assert_eq!(sample_options().get("a").unwrap(), &Value::Int(1));
}

#[test]
fn test_setitem() {
    let mut options = OptionParser::new();
    options
        .define(OptionDef::new("foo").default(1).ty(OptionType::Int))
        .unwrap();
    options.set("foo", 2).unwrap();
    assert_eq!(options.get("foo").unwrap(), &Value::Int(2));
}

#[test]
fn test_items() {
    let options = sample_options();
    let mut items = options.items();
    items.sort_by_key(|(k, _)| *k);
    assert_eq!(
        items,
        [
            ("a", &Value::Int(1)),
            ("b", &Value::Int(2)),
            ("help", &Value::None)
        ]
    );
}

#[test]
fn test_as_dict() {
    let d = sample_options().as_dict();
    let expected: Vec<(String, Value)> = vec![
        ("a".into(), Value::Int(1)),
        ("b".into(), Value::Int(2)),
        ("help".into(), Value::None),
    ];
    assert_eq!(d.into_iter().collect::<Vec<_>>(), expected);
}

#[test]
fn test_group_dict() {
    let mut options = OptionParser::new();
    options.define(OptionDef::new("a").default(1)).unwrap();
    options
        .define(OptionDef::new("b").group("b_group").default(2))
        .unwrap();
    let this_file = file!().to_owned();
    let groups = options.groups();
    assert_eq!(
        groups.into_iter().collect::<Vec<_>>(),
        ["".to_owned(), "b_group".to_owned(), this_file]
    );
    let b_group = options.group_dict("b_group");
    assert_eq!(
        b_group.into_iter().collect::<Vec<_>>(),
        [("b".to_owned(), Value::Int(2))]
    );
    assert!(options.group_dict("nonexistent").is_empty());
}

#[test]
fn test_mock_patch() {
    // Rust has no mock.patch; `replace` returns the old value to restore.
    let mut options = OptionParser::new();
    options.define(OptionDef::new("foo").default(1)).unwrap();
    options.parse_command_line(["main.py", "--foo=2"]).unwrap();
    assert_eq!(options.get_int("foo").unwrap(), 2);
    let saved = options.replace("foo", 3).unwrap();
    assert_eq!(options.get_int("foo").unwrap(), 3);
    options.set("foo", saved).unwrap();
    assert_eq!(options.get_int("foo").unwrap(), 2);
    // Nested patches mixed with explicit sets.
    let outer = options.replace("foo", 4).unwrap();
    options.set("foo", 5).unwrap();
    let inner = options.replace("foo", 6).unwrap();
    assert_eq!(options.get_int("foo").unwrap(), 6);
    options.set("foo", inner).unwrap();
    assert_eq!(options.get_int("foo").unwrap(), 5);
    options.set("foo", outer).unwrap();
    assert_eq!(options.get_int("foo").unwrap(), 2);
}

fn define_options() -> OptionParser {
    let mut options = OptionParser::new();
    options
        .define(OptionDef::new("str").ty(OptionType::Str))
        .unwrap();
    options
        .define(OptionDef::new("basestring").ty(OptionType::Str))
        .unwrap();
    options
        .define(OptionDef::new("int").ty(OptionType::Int))
        .unwrap();
    options
        .define(OptionDef::new("float").ty(OptionType::Float))
        .unwrap();
    options
        .define(OptionDef::new("datetime").ty(OptionType::DateTime))
        .unwrap();
    options
        .define(OptionDef::new("timedelta").ty(OptionType::Duration))
        .unwrap();
    options
        .define(OptionDef::new("email").ty(OptionType::Str))
        .unwrap();
    options
        .define(
            OptionDef::new("list-of-int")
                .ty(OptionType::Int)
                .multiple(true),
        )
        .unwrap();
    options
        .define(
            OptionDef::new("list-of-str")
                .ty(OptionType::Str)
                .multiple(true),
        )
        .unwrap();
    options
}

fn check_options_values(options: &OptionParser) {
    assert_eq!(options.get_str("str").unwrap(), "asdf");
    assert_eq!(options.get_str("basestring").unwrap(), "qwer");
    assert_eq!(options.get_int("int").unwrap(), 42);
    assert_eq!(options.get_float("float").unwrap(), 1.5);
    assert_eq!(
        options.get_datetime("datetime").unwrap(),
        OptionDateTime::new(2013, 4, 28, 5, 16, 0).unwrap()
    );
    assert_eq!(
        options.get_duration("timedelta").unwrap(),
        Duration::from_secs(45)
    );
    assert_eq!(options.get_str("email").unwrap(), "tornado@web.com");
    assert_eq!(options.get_ints("list_of_int").unwrap(), [1, 2, 3]);
    assert_eq!(options.get_strs("list_of_str").unwrap(), ["a", "b", "c"]);
}

#[test]
fn test_types() {
    let mut options = define_options();
    options
        .parse_command_line([
            "main.py",
            "--str=asdf",
            "--basestring=qwer",
            "--int=42",
            "--float=1.5",
            "--datetime=2013-04-28 05:16",
            "--timedelta=45s",
            "--email=tornado@web.com",
            "--list-of-int=1,2,3",
            "--list-of-str=a,b,c",
        ])
        .unwrap();
    check_options_values(&options);
}

#[test]
fn test_types_with_conf_file() {
    for config_file_name in ["options_test_types.cfg", "options_test_types_str.cfg"] {
        let mut options = define_options();
        options.parse_config_file(data(config_file_name)).unwrap();
        check_options_values(&options);
    }
}

#[test]
fn test_multiple_string() {
    let mut options = OptionParser::new();
    options
        .define(OptionDef::new("foo").ty(OptionType::Str).multiple(true))
        .unwrap();
    options
        .parse_command_line(["main.py", "--foo=a,b,c"])
        .unwrap();
    assert_eq!(options.get_strs("foo").unwrap(), ["a", "b", "c"]);
}

#[test]
fn test_multiple_int() {
    let mut options = OptionParser::new();
    options
        .define(OptionDef::new("foo").ty(OptionType::Int).multiple(true))
        .unwrap();
    options
        .parse_command_line(["main.py", "--foo=1,3,5:7"])
        .unwrap();
    assert_eq!(options.get_ints("foo").unwrap(), [1, 3, 5, 6, 7]);
}

#[test]
fn test_error_redefine() {
    let mut options = OptionParser::new();
    options.define(OptionDef::new("foo")).unwrap();
    let err = options.define(OptionDef::new("foo")).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with("option \"foo\" already defined in "),
        "{msg}"
    );
    assert!(msg.ends_with("options_test.rs"), "{msg}");
}

#[test]
fn test_error_redefine_underscore() {
    for (a, b) in [
        ("foo-bar", "foo-bar"),
        ("foo_bar", "foo_bar"),
        ("foo-bar", "foo_bar"),
        ("foo_bar", "foo-bar"),
    ] {
        let mut options = OptionParser::new();
        options.define(OptionDef::new(a)).unwrap();
        let err = options.define(OptionDef::new(b)).unwrap_err();
        assert!(
            err.to_string().contains("\"foo-bar\" already defined"),
            "{a} {b}: {err}"
        );
    }
}

#[test]
fn test_dash_underscore_cli() {
    for defined_name in ["foo-bar", "foo_bar"] {
        for flag in ["--foo-bar=a", "--foo_bar=a"] {
            let mut options = OptionParser::new();
            options.define(OptionDef::new(defined_name)).unwrap();
            options.parse_command_line(["main.py", flag]).unwrap();
            assert_eq!(options.get_str("foo_bar").unwrap(), "a");
            assert_eq!(options.get_str("foo-bar").unwrap(), "a");
        }
    }
}

#[test]
fn test_dash_underscore_file() {
    for defined_name in ["foo-bar", "foo_bar"] {
        let mut options = OptionParser::new();
        options.define(OptionDef::new(defined_name)).unwrap();
        options.parse_config_file(data("options_test.cfg")).unwrap();
        assert_eq!(options.get_str("foo_bar").unwrap(), "a");
    }
}

#[test]
fn test_dash_underscore_introspection() {
    // The names given to define are kept for listing.
    let mut options = OptionParser::new();
    options
        .define(OptionDef::new("with-dash").group("g"))
        .unwrap();
    options
        .define(OptionDef::new("with_underscore").group("g"))
        .unwrap();
    let all_options = ["help", "with-dash", "with_underscore"];
    let mut names: Vec<&str> = options.names().collect();
    names.sort_unstable();
    assert_eq!(names, all_options);
    let mut item_names: Vec<&str> = options.items().into_iter().map(|(k, _)| k).collect();
    item_names.sort_unstable();
    assert_eq!(item_names, all_options);
    assert_eq!(options.as_dict().keys().collect::<Vec<_>>(), all_options);
    assert_eq!(
        options.group_dict("g").keys().collect::<Vec<_>>(),
        ["with-dash", "with_underscore"]
    );
    // Help shows command-line names with dashes.
    let help = options.help_text("main.py");
    assert!(help.contains("--with-dash"), "{help}");
    assert!(help.contains("--with-underscore"), "{help}");
}

// Beyond the Python suite.

#[test]
fn space_separated_values_and_end_of_options() {
    let mut p = OptionParser::new();
    p.define(OptionDef::new("port").default(80)).unwrap();
    p.define(OptionDef::new("debug").default(false)).unwrap();
    let rest = p
        .parse_command_line(["app", "--port", "8080", "--debug", "--", "--port=1"])
        .unwrap();
    assert_eq!(rest, ["--port=1"]);
    assert_eq!(p.get_int("port").unwrap(), 8080);
    assert!(p.get_bool("debug").unwrap());
    let err = p.parse_command_line(["app", "--port"]).unwrap_err();
    assert_eq!(err.to_string(), "option \"port\" requires a value");
    // A boolean never takes the next argument.
    let rest = p.parse_command_line(["app", "--debug", "false"]).unwrap();
    assert_eq!(rest, ["false"]);
    p.parse_command_line(["app", "--debug=F"]).unwrap();
    assert!(!p.get_bool("debug").unwrap());
}

#[test]
fn bad_values_name_the_option() {
    let mut p = OptionParser::new();
    p.define(OptionDef::new("port").default(80)).unwrap();
    p.define(OptionDef::new("when").ty(OptionType::DateTime))
        .unwrap();
    let err = p.parse_command_line(["app", "--port=eighty"]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "bad value \"eighty\" for option \"port\": expected an integer"
    );
    let err = p.parse_command_line(["app", "--when=soon"]).unwrap_err();
    assert!(
        err.to_string().contains("unrecognized date/time format"),
        "{err}"
    );
    let err = p.parse_command_line(["app", "--nope"]).unwrap_err();
    assert_eq!(err.to_string(), "unrecognized option \"nope\"");
    assert!(matches!(p.get("nope"), Err(OptionsError::Unknown { .. })));
    assert!(matches!(p.get_int("when"), Err(OptionsError::Unset { .. })));
    assert!(matches!(
        p.get_str("port"),
        Err(OptionsError::WrongType { .. })
    ));
}

#[test]
fn multiple_values_limit_is_configurable() {
    let mut p = OptionParser::new();
    p.define(OptionDef::new("ports").ty(OptionType::Int).multiple(true))
        .unwrap();
    assert!(
        p.parse_command_line(["app", "--ports=1:1000000000"])
            .is_err()
    );
    p.set_max_multiple_values(5);
    assert!(p.parse_command_line(["app", "--ports=1:6"]).is_err());
    p.parse_command_line(["app", "--ports=1:5"]).unwrap();
    assert_eq!(p.get_ints("ports").unwrap(), [1, 2, 3, 4, 5]);
}

#[test]
fn config_file_errors_name_the_line() {
    let dir = std::env::temp_dir().join(format!("tornado-options-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.cfg");
    let mut p = OptionParser::new();
    p.define(OptionDef::new("port").default(80)).unwrap();
    p.define(OptionDef::new("hosts").multiple(true)).unwrap();

    std::fs::write(&path, "port = 1\nport = os.getenv('X')\n").unwrap();
    let err = p.parse_config_file(&path).unwrap_err();
    assert!(matches!(err, OptionsError::Config { line: 2, .. }), "{err}");

    std::fs::write(&path, "# ok\nprint('x')\n").unwrap();
    assert!(matches!(
        p.parse_config_file(&path).unwrap_err(),
        OptionsError::Config { line: 2, .. }
    ));

    std::fs::write(&path, "port = 'x'\n").unwrap();
    assert!(matches!(
        p.parse_config_file(&path).unwrap_err(),
        OptionsError::BadValue { .. }
    ));

    std::fs::write(&path, "port = 1.5\n").unwrap();
    assert!(matches!(
        p.parse_config_file(&path).unwrap_err(),
        OptionsError::WrongType { .. }
    ));

    std::fs::write(&path, "hosts = 5\n").unwrap();
    assert!(matches!(
        p.parse_config_file(&path).unwrap_err(),
        OptionsError::WrongType { .. }
    ));

    std::fs::write(&path, "unrelated = os.getenv('X')\nhosts = ['a', 'b']\n").unwrap();
    p.parse_config_file(&path).unwrap();
    assert_eq!(p.get_strs("hosts").unwrap(), ["a", "b"]);

    std::fs::write(
        &path,
        format!("port = {}1{}\n", "[".repeat(300), "]".repeat(300)),
    )
    .unwrap();
    assert!(matches!(
        p.parse_config_file(&path).unwrap_err(),
        OptionsError::Config { .. }
    ));
    p.set_max_config_nesting(400);
    // Deep nesting now parses, and a nested list is the wrong type for port.
    assert!(matches!(
        p.parse_config_file(&path).unwrap_err(),
        OptionsError::WrongType { .. }
    ));

    assert!(matches!(
        p.parse_config_file(dir.join("missing.cfg")).unwrap_err(),
        OptionsError::Io { .. }
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn config_callback_can_load_into_the_parser() {
    // Tornado's `--config` pattern: the callback reads a file into the
    // same parser, and later flags still win.
    let mut p = OptionParser::new();
    p.define(OptionDef::new("port").default(80)).unwrap();
    p.define(OptionDef::new("username").default("x")).unwrap();
    p.define(
        OptionDef::new("config").callback(|parser, value| match value {
            Value::Str(path) => parser.parse_config_file_with(path, false),
            _ => Ok(()),
        }),
    )
    .unwrap();
    let cfg = data("options_test.cfg");
    p.parse_command_line([
        "app",
        "--port=1",
        &format!("--config={}", cfg.display()),
        "--username=me",
    ])
    .unwrap();
    assert_eq!(p.get_int("port").unwrap(), 443);
    assert_eq!(p.get_str("username").unwrap(), "me");
}

#[test]
fn help_layout() {
    let mut p = OptionParser::new();
    p.define(
        OptionDef::new("port")
            .default(8888)
            .metavar("PORT")
            .help("run on the given port")
            .group("app"),
    )
    .unwrap();
    p.define(
        OptionDef::new("a_very_long_option_name_indeed_yes")
            .default(1.5)
            .group("app"),
    )
    .unwrap();
    p.define(
        OptionDef::new("timeout")
            .default(Duration::from_secs(45))
            .group("app"),
    )
    .unwrap();
    p.define(
        OptionDef::new("hosts")
            .default(vec!["a", "b"])
            .multiple(true)
            .group("app"),
    )
    .unwrap();
    let help = p.help_text("prog");
    // Produced by Tornado 6.6.1's print_help for the same definitions.
    let expected = "Usage: prog [OPTIONS]\n\nOptions:\n\n  --help                           show this help information\n\napp options:\n\n  --a-very-long-option-name-indeed-yes \n                                    (default 1.5)\n  --hosts                           (default ['a', 'b'])\n  --port=PORT                      run on the given port (default 8888)\n  --timeout                         (default 0:00:45)\n\n";
    assert_eq!(help, expected);
}

#[test]
fn process_wide_parser() {
    // The only test touching the process-wide parser.
    tornado_options::define(OptionDef::new("global_port").default(1)).unwrap();
    assert!(tornado_options::define(OptionDef::new("global-port")).is_err());
    let seen = Arc::new(AtomicUsize::new(0));
    let s = seen.clone();
    tornado_options::add_parse_callback(move |p| {
        s.store(p.get_int("global_port").unwrap() as usize, Ordering::SeqCst);
    });
    let rest = tornado_options::parse_command_line_from([
        "app",
        "--global-port=7",
        "--logging=debug",
        "x",
    ])
    .unwrap();
    assert_eq!(rest, ["x"]);
    assert_eq!(seen.load(Ordering::SeqCst), 7);
    assert_eq!(
        tornado_options::options().get_str("logging").unwrap(),
        "debug"
    );
    assert_eq!(
        tornado_options::options()
            .get_int("log_file_max_size")
            .unwrap(),
        100_000_000
    );
    assert!(matches!(
        tornado_options::parse_command_line_from(["app", "--help"]),
        Err(OptionsError::HelpRequested)
    ));
}
