//! Formats per second for the phone display service. Target: ≥ 100,000/s after warm-up.
//! Run: `cargo bench -p desk-core --bench phone_format`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use desk_core::{phone, CountryCode, NumbersFormat, PhoneFormatter};
use std::hint::black_box;

/// National numbers as other tools store them, on top of the preview's E.164 samples.
const NATIONAL: &[&str] = &[
    "(415) 555-0199",
    "212 555 0100",
    "+12125550147",
    "+16135550123",
    "+27215550199",
];

fn bench(c: &mut Criterion) {
    phone::warm_up();
    let us = CountryCode::parse("country", "US").ok();
    let modes = [
        ("international", NumbersFormat::International),
        ("national", NumbersFormat::National),
        (
            "with_exceptions",
            NumbersFormat::parse("international_with_exceptions", &["US".into(), "FR".into()])
                .expect("valid exceptions"),
        ),
    ];
    let mut group = c.benchmark_group("phone_format");
    let numbers: Vec<&str> = phone::SAMPLE_NUMBERS
        .iter()
        .chain(NATIONAL)
        .copied()
        .collect();
    group.throughput(Throughput::Elements(numbers.len() as u64));
    for (name, mode) in modes {
        let f = PhoneFormatter::new(&mode, us);
        group.bench_function(name, |b| {
            b.iter(|| {
                for n in &numbers {
                    black_box(f.format(black_box(n)));
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
