//! Renders one of the benchmark templates N times, for instruction counts
//! under callgrind: `cargo run --release -p tornado-template --example
//! render_loop -- expressions 100`.

use tornado_template::{BaseLoader, Context, DictLoader, TemplateOptions};

#[path = "../benches/common/mod.rs"]
mod common;
use common::{CASES, TORNADO, page_data, table_data};

fn main() -> Result<(), tornado_template::Error> {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_else(|| "expressions".to_owned());
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(100);
    let loader = DictLoader::new(TORNADO.iter().copied(), TemplateOptions::default());
    let file = CASES
        .iter()
        .find(|(name, _)| *name == case)
        .map_or("expr.txt", |(_, file)| file);
    let ctx = match case.as_str() {
        "table" => Context::from_serialize(&table_data())?,
        "inheritance" => Context::from_serialize(&page_data())?,
        _ => Context::new(),
    };
    let template = loader.load(file, None)?;
    let mut total = 0;
    for _ in 0..n {
        total += template.generate(&ctx)?.len();
    }
    println!("{case}: {n} renders, {total} bytes");
    Ok(())
}
