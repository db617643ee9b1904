import { emfDocument, type MetricGroup } from "@meridian/core";
import { describe, expect, it } from "vitest";

const requestGroup = (rollups?: MetricGroup["rollups"]): MetricGroup => ({
  dimensions: { service: "http", route: "/epoch" },
  metrics: [
    { name: "Requests", value: 1, unit: "Count" },
    { name: "Latency", value: 12.5, unit: "Milliseconds" },
  ],
  ...(rollups ? { rollups } : {}),
});

describe("emfDocument", () => {
  it("writes a group's rollups as more dimension sets of its directive, the group's own set first", () => {
    // Prepare
    const groups = [
      requestGroup([["service"]]),
      {
        dimensions: { service: "http" },
        metrics: [{ name: "EpochsRecorded", value: 1, unit: "Count" as const }],
      },
    ];

    // Act
    const document = emfDocument(groups, { timestamp: 1_700_000_000_000, properties: { requestId: "r-1" } });

    // Assess
    expect(JSON.parse(JSON.stringify(document))).toEqual({
      requestId: "r-1",
      service: "http",
      route: "/epoch",
      Requests: 1,
      Latency: 12.5,
      EpochsRecorded: 1,
      _aws: {
        Timestamp: 1_700_000_000_000,
        CloudWatchMetrics: [
          {
            Namespace: "Meridian",
            Dimensions: [["service", "route"], ["service"]],
            Metrics: [
              { Name: "Requests", Unit: "Count" },
              { Name: "Latency", Unit: "Milliseconds" },
            ],
          },
          {
            Namespace: "Meridian",
            Dimensions: [["service"]],
            Metrics: [{ Name: "EpochsRecorded", Unit: "Count" }],
          },
        ],
      },
    });
  });

  it("writes one dimension set per directive without rollups", () => {
    const document = emfDocument([requestGroup()], { timestamp: 0 });

    expect(document._aws.CloudWatchMetrics.map((d) => d.Dimensions)).toEqual([[["service", "route"]]]);
  });

  it.each([[["region"]], [["service", "stage"]], [["toString"]]])(
    "refuses a rollup with a key that is not one of the group's dimensions (%j)",
    (rollup) => {
      expect(() => emfDocument([requestGroup([rollup])])).toThrow(TypeError);
    },
  );
});
