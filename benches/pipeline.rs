//! Criterion benchmarks: decode per link type, table lookup, flow-table update and the
//! whole pipeline over the demo capture held in memory. Each reports element throughput.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use wiretally::capture::{LinkType, RawPacket};
use wiretally::decode::{Decoded, decode};
use wiretally::flow::FlowTable;
use wiretally::pipeline::{Analyzer, SummaryOptions};
use wiretally::table::{ServiceTable, Transport};
use wiretally_synth::frames::Link;
use wiretally_synth::scenarios::{DEMO_START_NS, demo, small_mix};

fn bench_decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");
    for (name, link, lt) in [
        ("ethernet", Link::Ethernet, LinkType::ETHERNET),
        ("vlan", Link::Vlan(20), LinkType::ETHERNET),
        ("sll", Link::Sll, LinkType::LINUX_SLL),
        ("sll2", Link::Sll2, LinkType::LINUX_SLL2),
        ("raw", Link::Raw, LinkType::RAW),
        ("null", Link::Null, LinkType::NULL),
    ] {
        let frames = small_mix(link, 1, DEMO_START_NS).into_frames();
        group.throughput(Throughput::Elements(frames.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                for f in &frames {
                    black_box(decode(lt, black_box(&f.data)));
                }
            })
        });
    }
    group.finish();
}

fn bench_lookup(c: &mut Criterion) {
    let table = ServiceTable::builtin();
    let lookup = table.lookup();
    let mut group = c.benchmark_group("lookup");
    group.throughput(Throughput::Elements(65536));
    group.bench_function("all_tcp_ports", |b| {
        b.iter(|| {
            let mut hits = 0u32;
            for port in 0..=u16::MAX {
                hits += u32::from(
                    lookup
                        .port(Transport::Tcp, black_box(port))
                        .entry()
                        .is_some(),
                );
            }
            hits
        })
    });
    group.finish();
}

fn bench_flow_table(c: &mut Criterion) {
    let frames = demo();
    let decoded: Vec<_> = frames
        .iter()
        .filter_map(|f| match decode(LinkType::ETHERNET, &f.data) {
            Decoded::Ip(ip) => Some((ip, f.ts_ns, f.data.len() as u32)),
            _ => None,
        })
        .collect();
    let mut group = c.benchmark_group("flow_table");
    group.throughput(Throughput::Elements(decoded.len() as u64));
    group.bench_function("demo_packets", |b| {
        b.iter(|| {
            let mut table = FlowTable::new();
            for (ip, ts, len) in &decoded {
                table.add_packet(ip, *ts, *len);
            }
            table.len()
        })
    });
    group.finish();
}

fn bench_pipeline(c: &mut Criterion) {
    let table = ServiceTable::builtin();
    let frames = demo();
    let options = SummaryOptions {
        top_hosts: 5,
        sources: vec!["bench".into()],
        filter: None,
    };
    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Elements(frames.len() as u64));
    group.bench_function("demo_in_memory", |b| {
        b.iter(|| {
            let mut analyzer = Analyzer::new(&table, wiretally::flow::expiry::Expiry::default());
            for f in &frames {
                analyzer.process(&RawPacket {
                    ts_ns: f.ts_ns,
                    orig_len: f.data.len() as u32,
                    link_type: LinkType::ETHERNET,
                    data: &f.data,
                });
            }
            analyzer.finish(&options).unwrap().totals.packets
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_decode,
    bench_lookup,
    bench_flow_table,
    bench_pipeline
);
criterion_main!(benches);
