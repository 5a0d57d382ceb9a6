// The reports' stylesheet, inlined into every page (a .ts constant so `tsc` carries it into dist/).
export const STYLE = `
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #ffffff; --soft: #f6f8fa; --accent: #0969da;
  --pass: #1a7f37; --fail: #cf222e; --failed: #9a6700; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: var(--bg); }
header, main { max-width: 1180px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 18px; border-bottom: 1px solid var(--line); padding-bottom: 8px; }
h1 { font-size: 22px; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 18px; margin: 26px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 16px 0 6px; }
h4 { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 10px 0 3px; }
.meta, .hint { color: var(--muted); }
.banner { background: #ffebe9; border: 1px solid #cf222e66; border-radius: 6px; padding: 8px 12px; margin: 8px 0; font-weight: 600; }
.caveat { background: #fff8c5; border: 1px solid #d4a72c66; border-radius: 6px; padding: 6px 12px; margin: 8px 0; }
.banner[role="alert"] { border: 2px solid #cf222e; color: #82071e; font-weight: normal; }
.banner ul { margin: 6px 0 0; padding-left: 20px; }
.notes { background: #fff8c5; border: 1px solid #d4a72c66; border-radius: 6px; padding: 8px 8px 8px 28px; margin: 8px 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; background: var(--soft); }
.card-label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card-value { font-size: 28px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card-sub { color: var(--muted); font-size: 12px; }
.panels { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.panel { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 10px; max-width: 100%; overflow-x: auto; }
.panel figcaption { font-weight: 600; margin-bottom: 6px; }
.panel.wide { flex-basis: 100%; }
.panel.sunburst { flex-basis: 100%; display: flex; flex-wrap: wrap; gap: 16px; align-items: center; }
.panel.sunburst figcaption { flex-basis: 100%; }
.panel.sunburst table { flex: 1 1 420px; }
svg.chart { display: block; font-size: 11px; }
svg.chart text { fill: var(--fg); }
svg.chart .tick, svg.chart .detail { fill: var(--muted); font-size: 10px; }
svg.chart .grid { stroke: #e6e9ed; stroke-width: 1; }
svg.chart .axis { stroke: var(--muted); stroke-width: 1; }
svg.chart .whisker { stroke: #1f2328; stroke-width: 1.3; }
svg.chart .bar.hl .label { font-weight: 700; fill: #b42318; }
svg.chart .row-hl { fill: #fdecea; }
svg.chart .col-head { font-weight: 700; font-size: 12px; }
svg.chart .arc { stroke: #fff; stroke-width: 1; }
svg.chart .arc-label { fill: #fff; font-weight: 600; }
svg.chart .center { font-size: 20px; font-weight: 600; }
svg.swatch { vertical-align: -1px; }
table.data { border-collapse: collapse; margin: 6px 0; font-size: 13px; }
table.data th, table.data td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
table.data th { background: var(--soft); font-weight: 600; }
table.data td.n, table.data th.n { text-align: right; font-variant-numeric: tabular-nums; }
table.data tfoot td { font-weight: 600; }
td.wrap { max-width: 560px; overflow-wrap: anywhere; }
td.nowrap { white-space: nowrap; }
.filters { display: flex; flex-wrap: wrap; gap: 14px; align-items: center; margin: 6px 0 10px; }
.filters select, .filters input { font: inherit; padding: 3px 6px; border: 1px solid var(--line); border-radius: 6px; }
.pager { display: flex; gap: 10px; align-items: center; margin: 8px 0; }
.pager button { font: inherit; padding: 3px 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--soft); cursor: pointer; }
.pager button:disabled { opacity: .4; cursor: default; }
.item { border: 1px solid var(--line); border-radius: 8px; margin: 10px 0; padding: 10px 12px; }
.item-head { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; font-weight: 600; }
.item-head .id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
.item-head .muted { color: var(--muted); font-weight: 400; }
.item-body { display: flex; gap: 14px; margin-top: 6px; }
.thumb { flex: 0 0 160px; margin: 0; }
.thumb img { max-width: 160px; max-height: 160px; border-radius: 4px; border: 1px solid var(--line); display: block; }
.placeholder { width: 160px; height: 110px; border: 1px dashed var(--line); border-radius: 4px; display: flex; align-items: center; justify-content: center; color: var(--muted); font-size: 12px; background: var(--soft); text-align: center; padding: 6px; }
.texts { flex: 1 1 auto; min-width: 0; }
pre.text { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; max-height: 16em; overflow: auto; background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px; font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; background: var(--muted); }
.badge.pass, .badge.kept { background: var(--pass); }
.badge.fail, .badge.not_kept { background: var(--fail); }
.badge.failed, .badge.unanswered { background: var(--failed); }
.error { color: var(--fail); overflow-wrap: anywhere; }
table.constraints { width: 100%; margin-top: 8px; }
table.constraints .key { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
table.constraints tr.match td { background: #ddf4ff; }
.check { color: var(--muted); font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 11.5px; overflow-wrap: anywhere; }
details.reply { margin-top: 6px; }
details.reply summary { cursor: pointer; color: var(--accent); }
@media (max-width: 700px) { .item-body { flex-direction: column; } }
`;
