#pragma once
/// The style sheet every HTML page of the reports shares (run, compare,
/// sweep and sensitivity), so they look alike.

namespace wsic::report {

inline constexpr const char* kCss = R"css(
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; color: #1A1A1A;
  background: #FFFFFF; margin: 0; line-height: 1.5; font-size: 16px; }
main { max-width: 980px; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
h1 { font-size: 1.8rem; margin: 0 0 0.25rem; }
h2 { font-size: 1.35rem; margin: 2.2rem 0 0.6rem; border-bottom: 2px solid #0072B2; padding-bottom: 0.2rem; }
h3 { font-size: 1.1rem; margin: 1.6rem 0 0.4rem; }
p.meta { color: #444444; margin: 0 0 1rem; }
.summary { border: 2px solid #0072B2; border-left-width: 8px; background: #EEF5FB; padding: 0.6rem 1.2rem; margin: 1rem 0 1.5rem; }
.summary h2 { border: none; margin: 0.3rem 0 0.3rem; font-size: 1.2rem; }
.summary li { margin: 0.25rem 0; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; width: 100%; }
caption { text-align: left; font-weight: 600; padding: 0.3rem 0; }
th, td { border: 1px solid #BBBBBB; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #F0F0F0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
td.num .ci { white-space: normal; }
code { overflow-wrap: anywhere; }
.ci { color: #555555; font-size: 0.8rem; display: block; }
figure { margin: 1.2rem 0 1.8rem; }
figure svg { width: 100%; height: auto; max-width: 100%; display: block; border: 1px solid #DDDDDD; }
figcaption { font-size: 0.92rem; margin-top: 0.4rem; }
.files { color: #555555; font-size: 0.85rem; }
p.skipped { color: #7A3E00; background: #FFF6E5; border-left: 4px solid #E69F00; padding: 0.3rem 0.6rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.3rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
footer { margin-top: 3rem; color: #555555; font-size: 0.85rem; border-top: 1px solid #CCCCCC; padding-top: 0.6rem; }
@media print {
  body { color: #000000; background: #FFFFFF; font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2, h3 { break-after: avoid; page-break-after: avoid; color: #000000; }
  figure, .summary, svg { break-inside: avoid; page-break-inside: avoid; }
  table { font-size: 8.5pt; }
  tr { break-inside: avoid; page-break-inside: avoid; }
  th, td { padding: 0.2rem 0.3rem; }
  figure svg { border: none; }
  .summary { background: #FFFFFF; }
  p.meta, figcaption, .ci, .files, footer { color: #000000; }
  a { color: #000000; text-decoration: none; }
}
)css";

}  // namespace wsic::report
