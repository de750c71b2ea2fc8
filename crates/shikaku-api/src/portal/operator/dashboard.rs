//! The adoption dashboard: stages by category and prefecture against the 60% goal, the
//! monthly chart (server-rendered SVG) and its CSV.

use super::*;

struct StageRow {
    label: String,
    registered: i64,
    reader_applied: i64,
    use_applied: i64,
    certificate_issued: i64,
    operating: i64,
    percent: String,
    meets_goal: bool,
}

fn stage_row(label: String, c: &StageCounts) -> StageRow {
    StageRow {
        label,
        registered: c.registered,
        reader_applied: c.reader_applied,
        use_applied: c.use_applied,
        certificate_issued: c.certificate_issued,
        operating: c.operating,
        percent: percent(c.operating, c.registered),
        meets_goal: c.operating * 100 >= GOAL_PERCENT * c.registered && c.registered > 0,
    }
}

#[derive(askama::Template)]
#[template(path = "op_dashboard.html")]
struct DashboardPage {
    lang: Lang,
    csrf: String,
    computed_at: String,
    max_age: u64,
    total: StageRow,
    groups: Vec<(String, Vec<StageRow>)>,
    chart: String,
    goal: i64,
}

/// A cumulative line of facilities in operation by month, against the goal line.
fn chart_svg(lang: Lang, points: &[(String, i64)], registered: i64) -> String {
    let (w, h, left, bottom) = (640i64, 240i64, 48i64, 28i64);
    let plot_w = w - left - 12;
    let plot_h = h - bottom - 12;
    // The goal in facilities, rounded up (60% of 1 facility is 1 facility).
    let goal = (registered * GOAL_PERCENT + 99) / 100;
    let max = points
        .iter()
        .map(|p| p.1)
        .max()
        .unwrap_or(0)
        .max(goal)
        .max(1);
    let y = |v: i64| 12 + plot_h - v * plot_h / max;
    let n = points.len().max(1) as i64;
    let x = |i: i64| {
        left + if n == 1 {
            plot_w / 2
        } else {
            i * plot_w / (n - 1)
        }
    };
    let mut svg = format!(
        "<svg role=\"img\" aria-labelledby=\"chart-title\" viewBox=\"0 0 {w} {h}\" width=\"100%\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title id=\"chart-title\">{}</title>",
        lang.t(
            "運用開始した施設数（累計）と目標",
            "Facilities in operation (cumulative) and the goal"
        )
    );
    svg.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#555\"/>",
        12 + plot_h,
        left + plot_w,
        12 + plot_h
    ));
    svg.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{gy}\" x2=\"{}\" y2=\"{gy}\" stroke=\"#b00020\" stroke-dasharray=\"6 4\"/>\
         <text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#b00020\" text-anchor=\"end\">{} {goal}</text>",
        left + plot_w,
        left + plot_w,
        y(goal) - 4,
        lang.t("目標60%", "goal 60%"),
        gy = y(goal)
    ));
    let path: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, (_, v))| format!("{},{}", x(i as i64), y(*v)))
        .collect();
    if !path.is_empty() {
        svg.push_str(&format!(
            "<polyline fill=\"none\" stroke=\"#0b5cad\" stroke-width=\"2\" points=\"{}\"/>",
            path.join(" ")
        ));
    }
    for (i, (label, v)) in points.iter().enumerate() {
        svg.push_str(&format!(
            "<circle cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"#0b5cad\"><title>{label}: {v}</title></circle>\
             <text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#222\">{label}</text>",
            x(i as i64),
            y(*v),
            x(i as i64),
            h - 8
        ));
    }
    svg.push_str(&format!(
        "<text x=\"4\" y=\"20\" font-size=\"11\" fill=\"#222\">{max}</text><text x=\"4\" y=\"{}\" font-size=\"11\" fill=\"#222\">0</text></svg>",
        12 + plot_h
    ));
    svg
}

fn total_of(rows: &[StageCounts]) -> StageCounts {
    let mut t = StageCounts::default();
    for r in rows {
        t.registered += r.registered;
        t.reader_applied += r.reader_applied;
        t.use_applied += r.use_applied;
        t.certificate_issued += r.certificate_issued;
        t.operating += r.operating;
    }
    t
}

/// (YYYY-MM, cumulative count) for every month up to `today`'s: from the first month with a
/// facility in operation, and at least the last twelve months, so the chart is a curve over
/// time even while few facilities are in operation.
fn monthly(days: &[(time::Date, i64)], today: time::Date) -> Vec<(String, i64)> {
    let month_of = |d: time::Date| shikaku_domain::portal::YearMonth::of(d);
    let mut first = month_of(today);
    for _ in 0..11 {
        first = first.previous();
    }
    if let Some((day, _)) = days.first() {
        first = first.min(month_of(*day));
    }
    let mut out = Vec::new();
    let mut month = first;
    let last = month_of(today);
    while month <= last {
        let end = month.last_day();
        let total: i64 = days.iter().filter(|(d, _)| *d <= end).map(|(_, n)| n).sum();
        out.push((month.to_string(), total));
        month = month.next();
    }
    out
}

pub async fn dashboard(State(state): State<AppState>, auth: Auth) -> PageResult {
    operator_only(&auth)?;
    let lang = auth.lang;
    let (adoption, computed_at) = state.portal.adoption(&auth.actor).await.or_page(lang)?;
    let total = total_of(&adoption.by_category);
    Ok(render(&DashboardPage {
        lang,
        csrf: auth.csrf.clone(),
        computed_at: shikaku_domain::date::format_jst_minute(computed_at),
        max_age: shikaku_app::portal::ADOPTION_MAX_AGE.as_secs(),
        chart: chart_svg(
            lang,
            &monthly(&adoption.operating_by_day, state.portal.today()),
            total.registered,
        ),
        total: stage_row(lang.t("全体", "All").into(), &total),
        groups: vec![
            (
                lang.t("施設区分別", "By category").to_string(),
                adoption
                    .by_category
                    .iter()
                    .map(|c| stage_row(category_label(lang, &c.group_key), c))
                    .collect(),
            ),
            (
                lang.t("都道府県別", "By prefecture").to_string(),
                adoption
                    .by_prefecture
                    .iter()
                    .map(|c| {
                        stage_row(
                            format!("{} {}", c.group_key, prefecture_name(&c.group_key)),
                            c,
                        )
                    })
                    .collect(),
            ),
        ],
        goal: GOAL_PERCENT,
    }))
}

pub async fn adoption_csv(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<CsvQuery>,
) -> PageResult {
    operator_only(&auth)?;
    let lang = auth.lang;
    let (adoption, _) = state.portal.adoption(&auth.actor).await.or_page(lang)?;
    let mut out = String::from(lang.t(
        "集計区分,区分,登録数,リーダー申込,利用申請,証明書発行,運用開始,運用開始率(%)\n",
        "group,key,registered,reader_applied,use_applied,certificate_issued,operating,operating_percent\n",
    ));
    for (group, rows, by_category) in [
        (lang.t("施設区分", "category"), &adoption.by_category, true),
        (
            lang.t("都道府県", "prefecture"),
            &adoption.by_prefecture,
            false,
        ),
    ] {
        for r in rows {
            let key = if by_category {
                category_label(lang, &r.group_key)
            } else {
                format!("{} {}", r.group_key, prefecture_name(&r.group_key))
            };
            out.push_str(&format!(
                "{group},{},{},{},{},{},{},{}\n",
                csv_field(&key),
                r.registered,
                r.reader_applied,
                r.use_applied,
                r.certificate_issued,
                r.operating,
                percent(r.operating, r.registered)
            ));
        }
    }
    Ok(csv_response("adoption.csv", out, q.sjis()))
}
