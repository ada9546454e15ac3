//! The report: `docs/benchmarks.md` (tables, ratios, machine, command) and its charts
//! (SVG, drawn with plotters) in `docs/benchmarks/`, with the raw figures as JSON.

use std::{collections::BTreeSet, fmt::Write as _, fs, path::Path};

use plotters::prelude::*;

use crate::{Fallible, Results, Run, scenarios::Target};

fn colour(t: Target) -> RGBColor {
    match t {
        Target::AgoraPostgres => RGBColor(31, 119, 180),
        Target::AgoraSqlite => RGBColor(148, 103, 189),
        Target::PostGraphile => RGBColor(255, 127, 14),
        Target::PostGraphileCluster => RGBColor(214, 39, 40),
        Target::Raw => RGBColor(110, 110, 110),
    }
}

/// Writes the report to `out`, its charts and `results.json` beside it.
pub fn write(results: &Results, out: &Path) -> Fallible<()> {
    let stem = out
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("benchmarks");
    let dir = out.with_file_name(stem);
    fs::create_dir_all(&dir)?;
    fs::write(
        dir.join("results.json"),
        serde_json::to_string_pretty(results)?,
    )?;
    let scenarios = scenario_order(results);
    bars(
        results,
        &scenarios,
        &dir.join("throughput.svg"),
        "requests/s",
        |r| r.measure.rps,
    )?;
    bars(
        results,
        &scenarios,
        &dir.join("p99.svg"),
        "p99 latency, ms",
        |r| r.measure.p99_ms,
    )?;
    let with_scales = results
        .scale_points
        .iter()
        .map(|p| p.scale.to_bits())
        .collect::<BTreeSet<_>>()
        .len()
        > 1;
    if with_scales {
        scale_chart(results, &dir.join("scale.svg"))?;
    }
    fs::write(out, markdown(results, &scenarios, stem, with_scales))?;
    Ok(())
}

/// Scenario keys and titles in the order they ran.
fn scenario_order(results: &Results) -> Vec<(String, String)> {
    let mut seen = Vec::new();
    for r in &results.runs {
        if !seen
            .iter()
            .any(|(k, _): &(String, String)| *k == r.scenario)
        {
            seen.push((r.scenario.clone(), r.title.clone()));
        }
    }
    seen
}

fn connections(results: &Results) -> Vec<u32> {
    let set: BTreeSet<u32> = results.runs.iter().map(|r| r.connections).collect();
    set.into_iter().collect()
}

fn find<'a>(results: &'a Results, scenario: &str, target: Target, c: u32) -> Option<&'a Run> {
    results
        .runs
        .iter()
        .find(|r| r.scenario == scenario && r.target == target && r.connections == c)
}

/// The PostGraphile that Agora is measured against in a row: of its two deployments (one
/// process, the cluster), the one that served more requests/s.
fn best_postgraphile<'a>(results: &'a Results, scenario: &str, c: u32) -> Option<&'a Run> {
    [Target::PostGraphile, Target::PostGraphileCluster]
        .into_iter()
        .filter_map(|t| find(results, scenario, t, c))
        .max_by(|a, b| a.measure.rps.total_cmp(&b.measure.rps))
}

/// One panel per scenario: for each number of connections, a bar per server.
fn bars(
    results: &Results,
    scenarios: &[(String, String)],
    path: &Path,
    what: &str,
    value: impl Fn(&Run) -> f64,
) -> Fallible<()> {
    let conns = connections(results);
    let title = format!(
        "{what} by scenario and connections (scale {})",
        results.scale
    );
    let (root, panels) = figure(path, scenarios.len(), &title)?;
    for (i, ((key, name), panel)) in scenarios.iter().zip(panels.iter()).enumerate() {
        let top = results
            .runs
            .iter()
            .filter(|r| &r.scenario == key)
            .map(&value)
            .fold(0.0, f64::max)
            .max(1e-9);
        let n = conns.len() as f64;
        let mut chart = ChartBuilder::on(panel)
            .caption(name, ("sans-serif", 17))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.5..n - 0.5, 0.0..top * 1.5)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(conns.len())
            .x_label_formatter(&|x| {
                let i = x.round() as usize;
                conns
                    .get(i)
                    .map(|c| format!("{c} conn."))
                    .unwrap_or_default()
            })
            .y_desc(what)
            .y_label_formatter(&|y| short(*y))
            .draw()?;
        let width = 0.8 / Target::ALL.len() as f64;
        for (ti, target) in Target::ALL.iter().enumerate() {
            let bars: Vec<Rectangle<(f64, f64)>> = conns
                .iter()
                .enumerate()
                .filter_map(|(ci, &c)| {
                    let run = find(results, key, *target, c)?;
                    let x0 = ci as f64 - 0.4 + ti as f64 * width;
                    Some(Rectangle::new(
                        [(x0, 0.0), (x0 + width * 0.92, value(run))],
                        colour(*target).filled(),
                    ))
                })
                .collect();
            if bars.is_empty() {
                continue;
            }
            let c = colour(*target);
            chart
                .draw_series(bars)?
                .label(target.label())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], c.filled()));
        }
        // One legend, in the first panel.
        if i == 0 {
            legend(&mut chart)?;
        }
    }
    root.present()?;
    Ok(())
}

/// One panel per read scenario: one-client median latency against the dataset's scale.
fn scale_chart(results: &Results, path: &Path) -> Fallible<()> {
    let mut keys: Vec<(String, String)> = Vec::new();
    for p in &results.scale_points {
        if !keys.iter().any(|(k, _)| *k == p.scenario) {
            keys.push((p.scenario.clone(), p.title.clone()));
        }
    }
    let title = "median latency (one client) against the dataset's scale";
    let (root, panels) = figure(path, keys.len(), title)?;
    let (smin, smax) = results
        .scale_points
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| {
            (a.min(p.scale), b.max(p.scale))
        });
    for (i, ((key, name), panel)) in keys.iter().zip(panels.iter()).enumerate() {
        let points: Vec<_> = results
            .scale_points
            .iter()
            .filter(|p| &p.scenario == key)
            .collect();
        let (lo, hi) = points.iter().fold((f64::MAX, f64::MIN), |(a, b), p| {
            (a.min(p.p50_ms), b.max(p.p50_ms))
        });
        let mut chart = ChartBuilder::on(panel)
            .caption(name, ("sans-serif", 17))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(60)
            .build_cartesian_2d(
                (smin * 0.8..smax * 1.25).log_scale(),
                (lo.max(0.01) * 0.6..hi * 12.0).log_scale(),
            )?;
        chart
            .configure_mesh()
            .x_desc("scale")
            .y_desc("p50, ms")
            .x_label_formatter(&|x| short(*x))
            .y_label_formatter(&|y| short(*y))
            .draw()?;
        for target in Target::ALL {
            let mut line: Vec<(f64, f64)> = points
                .iter()
                .filter(|p| p.target == target)
                .map(|p| (p.scale, p.p50_ms.max(0.01)))
                .collect();
            if line.is_empty() {
                continue;
            }
            line.sort_by(|a, b| a.0.total_cmp(&b.0));
            let c = colour(target);
            chart
                .draw_series(LineSeries::new(line.clone(), c.stroke_width(2)))?
                .label(target.label())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 14, y)], c.stroke_width(2)));
            chart.draw_series(line.into_iter().map(|p| Circle::new(p, 3, c.filled())))?;
        }
        // One legend, in the first panel.
        if i == 0 {
            legend(&mut chart)?;
        }
    }
    root.present()?;
    Ok(())
}

/// A figure of `n` panels, three to a row, under a title: the whole and its panels.
type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;
fn figure<'a>(path: &'a Path, n: usize, title: &str) -> Fallible<(Area<'a>, Vec<Area<'a>>)> {
    let cols = 3;
    let rows = n.div_ceil(cols).max(1);
    let root = SVGBackend::new(path, (1260, 330 * rows as u32 + 40)).into_drawing_area();
    root.fill(&WHITE)?;
    let (head, body) = root.split_vertically(40);
    head.titled(title, ("sans-serif", 22))?;
    Ok((root, body.split_evenly((rows, cols))))
}

/// The legend of a chart, in its upper left corner.
fn legend<'a, X: Ranged, Y: Ranged>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, Cartesian2d<X, Y>>,
) -> Fallible<()> {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(("sans-serif", 12))
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK.mix(0.3))
        .draw()?;
    Ok(())
}

/// A number for an axis or a table: few digits.
fn short(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

fn ratio(a: f64, b: Option<f64>) -> String {
    match b {
        Some(b) if b > 0.0 && a > 0.0 => format!("{:.2}×", a / b),
        _ => "–".into(),
    }
}

fn markdown(results: &Results, scenarios: &[(String, String)], stem: &str, scales: bool) -> String {
    let mut md = String::new();
    let conns = connections(results);
    let _ = writeln!(md, "# Benchmarks\n");
    let _ = writeln!(
        md,
        "Written by the benchmark driver (`bench/`, see `bench/README.md`): Agora in release \
         mode on PostgreSQL and on SQLite, PostGraphile v5 on the same PostgreSQL database \
         (as one Node process, and as a `node:cluster` of one Node worker per core on one \
         port: {}), and the raw-SQL baseline (one hand-written `json_agg` statement per scenario), \
         side by side on the same generated data, under load from wrk, one scenario and \
         one server at a time.\n",
        Target::PostGraphileCluster.label()
    );
    let _ = writeln!(md, "- Command: `{}`", results.command);
    let _ = writeln!(
        md,
        "- Started {}; took {:.1} minutes; {} s of load per run, after one checked request.",
        results.started, results.minutes, results.secs
    );
    for d in &results.datasets {
        let _ = writeln!(
            md,
            "- Dataset: scale {} on {}, {} rows, generated in {:.1} s.",
            d.scale, d.backend, d.rows, d.seconds
        );
    }
    let _ = writeln!(md, "\n## Machine and versions\n");
    let _ = writeln!(md, "| | |\n| --- | --- |");
    for (k, v) in &results.machine {
        let _ = writeln!(md, "| {k} | {v} |");
    }
    let _ = writeln!(
        md,
        "\nWhere Agora's time goes (CPU per request against PostgreSQL's, and the profile \
         that explains the figures): [`benchmarks/profile.md`](benchmarks/profile.md), \
         measured by hand beside this run.\n"
    );
    let _ = writeln!(md, "\n## Charts\n");
    let _ = writeln!(md, "![requests/s]({stem}/throughput.svg)\n");
    let _ = writeln!(md, "![p99 latency]({stem}/p99.svg)\n");
    if scales {
        let _ = writeln!(md, "![latency against scale]({stem}/scale.svg)\n");
    }
    let _ = writeln!(md, "## Agora against PostGraphile and the raw baseline\n");
    let _ = writeln!(
        md,
        "Agora on PostgreSQL; a ratio of requests/s above 1 means Agora served more, a \
         ratio of p99 below 1 means Agora answered faster, of peak memory below 1 that it \
         used less. The PostGraphile of the requests/s and p99 ratios is, row by row, the \
         better of its two deployments: one Node process ({}) or the cluster of one worker \
         per core ({}), whichever served more requests/s (named in the last column), so \
         that no ratio rests on an idle core of PostGraphile's. Peak memory is compared \
         with the single process; both deployments' own figures are in every run's table \
         below.\n",
        Target::PostGraphile.label(),
        Target::PostGraphileCluster.label()
    );
    let _ = writeln!(
        md,
        "| scenario | conn. | req/s | vs PostGraphile | vs raw | p99 ms | vs PostGraphile | vs raw | peak MiB | vs PostGraphile (1 process) | PostGraphile of the ratios |"
    );
    let _ = writeln!(
        md,
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    );
    for (key, title) in scenarios {
        for &c in &conns {
            let Some(a) = find(results, key, Target::AgoraPostgres, c) else {
                continue;
            };
            let p = best_postgraphile(results, key, c);
            let single = find(results, key, Target::PostGraphile, c);
            let r = find(results, key, Target::Raw, c);
            let _ = writeln!(
                md,
                "| {title} | {c} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                short(a.measure.rps),
                ratio(a.measure.rps, p.map(|p| p.measure.rps)),
                ratio(a.measure.rps, r.map(|r| r.measure.rps)),
                short(a.measure.p99_ms),
                ratio(a.measure.p99_ms, p.map(|p| p.measure.p99_ms)),
                ratio(a.measure.p99_ms, r.map(|r| r.measure.p99_ms)),
                short(a.peak_rss_mib),
                ratio(a.peak_rss_mib, single.map(|p| p.peak_rss_mib)),
                p.map_or("–", |p| p.target.label()),
            );
        }
    }
    let _ = writeln!(md, "\n## Every run\n");
    let _ = writeln!(
        md,
        "Failed counts answers that were not 200 or carried GraphQL `errors`, plus socket \
         errors and timeouts (30 s). SQL is the number of statements one request ran \
         (Agora's `agora_sql_statements_total`; the raw baseline runs one by \
         construction; PostGraphile's is not measured). Peak is the server's peak resident \
         memory during the run (`VmHWM`, reset before each run), summed over its processes: \
         for PostGraphile's cluster, the primary and every worker, each one's own peak.\n"
    );
    let _ = writeln!(
        md,
        "| scenario | server | conn. | req/s | p50 ms | p99 ms | requests | failed | SQL | peak MiB | answer bytes |"
    );
    let _ = writeln!(
        md,
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for (key, title) in scenarios {
        for target in Target::ALL {
            for &c in &conns {
                let Some(r) = find(results, key, target, c) else {
                    continue;
                };
                let _ = writeln!(
                    md,
                    "| {title} | {} | {c} | {} | {} | {} | {} | {} | {} | {} | {} |",
                    target.label(),
                    short(r.measure.rps),
                    short(r.measure.p50_ms),
                    short(r.measure.p99_ms),
                    r.measure.requests,
                    r.measure.failed + r.measure.socket_errors,
                    r.sql_per_request.map(short).unwrap_or_else(|| "–".into()),
                    short(r.peak_rss_mib),
                    r.answer_bytes,
                );
            }
        }
    }
    if !results.same_records.is_empty() {
        let _ = writeln!(md, "\n## Same answers\n");
        let _ = writeln!(
            md,
            "Before the load, each read scenario's answers are compared: the ids of the \
             records in them, from every server.\n"
        );
        for (key, title) in scenarios {
            if let Some(v) = results.same_records.get(key) {
                let _ = writeln!(md, "- {title}: {v}");
            }
        }
    }
    let _ = writeln!(md, "\n## Resident memory when idle\n");
    for (k, v) in &results.idle_rss_mib {
        let _ = writeln!(md, "- {k}: {} MiB", short(*v));
    }
    if scales {
        let _ = writeln!(
            md,
            "\n## Latency against the dataset's scale (one client)\n"
        );
        let _ = writeln!(md, "| scenario | server | scale | p50 ms | p99 ms |");
        let _ = writeln!(md, "| --- | --- | ---: | ---: | ---: |");
        for p in &results.scale_points {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} |",
                p.title,
                p.target.label(),
                p.scale,
                short(p.p50_ms),
                short(p.p99_ms)
            );
        }
    }
    // What the scale-out run (bench/scale-out) measures, and what to expect on more
    // cores: text, kept with the report.
    md.push_str(include_str!("../past-one-machine.md"));
    if !results.failures.is_empty() {
        let _ = writeln!(md, "\n## Failures\n");
        for f in &results.failures {
            let _ = writeln!(md, "- {f}");
        }
    }
    md
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::load::Measure;

    fn run(target: Target, rps: f64, p99_ms: f64, peak: f64) -> Run {
        Run {
            scenario: "flat".into(),
            title: "flat list of 20".into(),
            target,
            connections: 16,
            measure: Measure {
                requests: 100,
                rps,
                p50_ms: p99_ms / 2.0,
                p99_ms,
                ..Measure::default()
            },
            sql_per_request: None,
            peak_rss_mib: peak,
            answer_bytes: 10,
        }
    }

    #[test]
    fn ratios_are_against_the_postgraphile_that_served_more() {
        let results = Results {
            scale: 1.0,
            runs: vec![
                run(Target::AgoraPostgres, 400.0, 10.0, 50.0),
                run(Target::PostGraphile, 100.0, 40.0, 100.0),
                run(Target::PostGraphileCluster, 200.0, 20.0, 250.0),
                run(Target::Raw, 800.0, 5.0, 20.0),
            ],
            ..Results::default()
        };
        let best = best_postgraphile(&results, "flat", 16).unwrap();
        assert_eq!(best.target, Target::PostGraphileCluster);
        let dir = std::env::temp_dir().join(format!("bench-report-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let out = dir.join("benchmarks.md");
        write(&results, &out).unwrap();
        let md = fs::read_to_string(&out).unwrap();
        let _ = fs::remove_dir_all(&dir);
        // req/s 400 / 200, p99 10 / 20, memory 50 / 100 (the single process).
        let row = md
            .lines()
            .find(|l| l.starts_with("| flat list of 20 | 16 | 400 |"));
        assert_eq!(
            row,
            Some(&*format!(
                "| flat list of 20 | 16 | 400 | 2.00× | 0.50× | 10.0 | 0.50× | 2.00× | 50.0 | 0.50× | {} |",
                Target::PostGraphileCluster.label()
            ))
        );
        assert!(md.contains(&format!(
            "| flat list of 20 | {} | 16 |",
            Target::PostGraphile.label()
        )));
    }
}
