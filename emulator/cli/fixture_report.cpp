// The HTML report of a fixture check: one table of every case, then for each failure its
// input, expected (golden), actual output and diff side by side, so a reviewer can see
// at a glance whether a change is a regression or a golden to update.
#include <cmath>
#include <cstdio>
#include <fstream>

#include "cli/fixture_check.h"

namespace fixtures {

namespace {

namespace fs = std::filesystem;

std::string html_escape(std::string_view text) {
  std::string out;
  for (char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
  return out;
}

std::expected<void, std::string> write_file(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out || !out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())))
    return std::unexpected("cannot write " + path.string());
  return {};
}

std::string psnr_cell(const Outcome& o) {
  if (!o.psnr_db) return "";
  if (std::isinf(*o.psnr_db)) return "inf";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", *o.psnr_db);
  return text;
}

// One <figure>, after writing its image into the case's folder; empty bytes: a placeholder.
std::expected<std::string, std::string> figure(const fs::path& case_dir, const std::string& case_name,
                                               const std::string& file, std::string_view bytes,
                                               std::string_view caption) {
  if (bytes.empty())
    return "<figure><div class=none>none</div><figcaption>" + html_escape(caption) + "</figcaption></figure>\n";
  if (auto ok = write_file(case_dir / file, bytes); !ok) return std::unexpected(ok.error());
  const std::string src = html_escape(case_name + "/" + file);
  return "<figure><a href=\"" + src + "\"><img src=\"" + src + "\"></a><figcaption>" + html_escape(caption) +
         "</figcaption></figure>\n";
}

std::expected<std::string, std::string> failure_section(const fs::path& dir, const Outcome& o) {
  const fs::path case_dir = dir / o.name;
  std::error_code ec;
  fs::create_directories(case_dir, ec);
  if (ec) return std::unexpected("cannot create " + case_dir.string() + ": " + ec.message());
  std::string input_ext = fs::path(o.input_path).extension().string();
  if (input_ext.empty()) input_ext = ".bin";
  const std::string out_ext = "." + (o.actual_extension.empty() ? std::string("bin") : o.actual_extension);
  std::string html = "<section><h2 id=\"" + html_escape(o.name) + "\">" + html_escape(o.name) + "</h2>\n<p>" +
                     html_escape(o.detail) + "</p>\n<div class=row>\n";
  const struct {
    std::string file;
    std::string_view bytes;
    std::string caption;
  } figures[] = {
      {"input" + input_ext, o.input, "input: " + o.input_path},
      {"expected" + out_ext, o.expected, "expected (golden)"},
      {"actual" + out_ext, o.actual, "actual"},
      {"diff.png", o.diff_png, "|actual - expected| x8" + (o.psnr_db ? ", PSNR " + psnr_cell(o) + " dB" : "")},
  };
  for (const auto& f : figures) {
    auto fig = figure(case_dir, o.name, f.file, f.bytes, f.caption);
    if (!fig) return std::unexpected(fig.error());
    html += *fig;
  }
  return html + "</div></section>\n";
}

constexpr std::string_view kStyle =
    "body{font:14px sans-serif;margin:2em}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}.FAIL{color:#b00;font-weight:bold}"
    ".UPDATED{color:#a60}.row{display:flex;gap:1em;flex-wrap:wrap}figure{margin:0}"
    "img{max-width:300px;max-height:300px;background:repeating-conic-gradient(#ddd 0 25%,#fff 0 50%) 0 0/16px 16px}"
    ".none{width:120px;height:120px;display:flex;align-items:center;justify-content:center;background:#eee}";

}  // namespace

std::expected<fs::path, std::string> write_report(const fs::path& dir, const std::vector<Outcome>& outcomes) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return std::unexpected("cannot create " + dir.string() + ": " + ec.message());
  std::size_t failed = 0;
  for (const auto& o : outcomes) failed += o.status == Status::Fail;
  std::string html = "<!doctype html><meta charset=utf-8><title>minicloud fixtures</title><style>" +
                     std::string(kStyle) + "</style>\n<h1>minicloud fixtures: " + std::to_string(outcomes.size()) +
                     " cases, " + std::to_string(failed) + " failed</h1>\n<table><tr><th>case</th><th>result</th>"
                     "<th>PSNR dB</th><th>detail</th></tr>\n";
  for (const auto& o : outcomes) {
    const std::string status(to_string(o.status));
    const std::string name = o.status == Status::Fail ? "<a href=\"#" + html_escape(o.name) + "\">" +
                                                            html_escape(o.name) + "</a>"
                                                      : html_escape(o.name);
    html += "<tr><td>" + name + "</td><td class=" + status + ">" + status + "</td><td>" + psnr_cell(o) +
            "</td><td>" + html_escape(o.detail) + "</td></tr>\n";
  }
  html += "</table>\n";
  for (const auto& o : outcomes) {
    if (o.status != Status::Fail) continue;
    auto section = failure_section(dir, o);
    if (!section) return std::unexpected(section.error());
    html += *section;
  }
  const fs::path index = dir / "index.html";
  if (auto ok = write_file(index, html); !ok) return std::unexpected(ok.error());
  return index;
}

}  // namespace fixtures
