import { describe, expect, it } from "vitest";
import {
  escapeLabelValue,
  histogramSamples,
  renderMetrics,
} from "../../../src/api/metrics/prometheus";

describe("prometheus text format", () => {
  it("writes HELP and TYPE for every family and one line per sample", () => {
    const text = renderMetrics([
      {
        name: "zcp_nodes",
        help: "Nodes by status.",
        type: "gauge",
        samples: [{ labels: { project: "demo", status: "online" }, value: 3 }],
      },
      { name: "zcp_empty", help: "Nothing yet.", type: "counter", samples: [] },
    ]);
    expect(text).toBe(
      [
        "# HELP zcp_nodes Nodes by status.",
        "# TYPE zcp_nodes gauge",
        'zcp_nodes{project="demo",status="online"} 3',
        "# HELP zcp_empty Nothing yet.",
        "# TYPE zcp_empty counter",
        "",
      ].join("\n"),
    );
  });

  it("escapes label values and help text", () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    const text = renderMetrics([
      { name: "m", help: "line\\one\ntwo", type: "gauge", samples: [{ labels: {}, value: 1 }] },
    ]);
    expect(text).toContain("# HELP m line\\\\one\\ntwo");
    expect(text).toContain("\nm 1\n");
  });

  it("renders histograms cumulatively with +Inf, _sum and _count", () => {
    const samples = histogramSamples({ project: "p" }, [0.5, 1], [2, 3], 4, 6.5);
    const text = renderMetrics([{ name: "h", help: "h", type: "histogram", samples }]);
    expect(text).toContain('h_bucket{project="p",le="0.5"} 2');
    expect(text).toContain('h_bucket{project="p",le="1"} 3');
    expect(text).toContain('h_bucket{project="p",le="+Inf"} 4');
    expect(text).toContain('h_sum{project="p"} 6.5');
    expect(text).toContain('h_count{project="p"} 4');
  });
});
