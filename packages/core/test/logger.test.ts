import { createLogger, emfDocument, type LogEntry, REDACTED } from "@meridian/core";
import { describe, expect, it } from "vitest";

function memoryLogger(level?: "DEBUG" | "INFO" | "WARN" | "ERROR") {
  const entries: LogEntry[] = [];
  const logger = createLogger({ service: "t", level, functionName: "fn", sink: (e) => entries.push(e) });
  return { entries, logger };
}

describe("createLogger", () => {
  it("writes one entry per call with level, timestamp, service, function, cold start and the fields", () => {
    // Prepare
    const { entries, logger } = memoryLogger();

    // Act
    logger.info("request", { requestId: "r-1", status: 200, coldStart: true });
    logger.warn("slow", { latencyMs: 3.5 });

    // Assess
    expect(entries).toEqual([
      {
        level: "INFO",
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        service: "t",
        function: "fn",
        coldStart: true,
        message: "request",
        requestId: "r-1",
        status: 200,
      },
      expect.objectContaining({ level: "WARN", coldStart: false, message: "slow", latencyMs: 3.5 }),
    ]);
  });

  it("drops entries below its level (INFO by default)", () => {
    // Prepare
    const byDefault = memoryLogger();
    const warnOnly = memoryLogger("WARN");

    // Act
    for (const { logger } of [byDefault, warnOnly]) {
      logger.debug("d");
      logger.info("i");
      logger.warn("w");
      logger.error("e");
    }

    // Assess
    expect(byDefault.entries.map((e) => e.message)).toEqual(["i", "w", "e"]);
    expect(warnOnly.entries.map((e) => e.message)).toEqual(["w", "e"]);
  });

  it("redacts credential-looking values and secret-named fields a caller passes by mistake", () => {
    // Prepare
    const { entries, logger } = memoryLogger();

    // Act
    logger.error("upstream said: Bearer abc.def.ghi for mrd_0123456789abcdefghij", {
      error: new Error("token eyJhbGciOiJSUzI1.eyJzdWIiOiJ4In0.sig leaked"),
      headers: { authorization: "Basic xyz", "x-api-key": "k" },
      body: { password: "p", nested: { clientSecret: "s" } },
    });

    // Assess
    const text = JSON.stringify(entries);
    for (const leaked of [
      "abc.def.ghi",
      "mrd_0123456789abcdefghij",
      "eyJhbGciOiJSUzI1",
      "Basic xyz",
      '"k"',
      '"p"',
      '"s"',
    ]) {
      expect(text).not.toContain(leaked);
    }
    expect(text).toContain(REDACTED);
  });

  it("scrubs a nested object even when it has an `_aws` key", () => {
    // Prepare
    const { entries, logger } = memoryLogger();

    // Act
    logger.warn("odd body", {
      body: { _aws: { token: "mrd_0123456789abcdefghij", note: "Bearer abc.def.ghi" } },
    });

    // Assess
    const text = JSON.stringify(entries);
    expect(text).not.toContain("mrd_0123456789abcdefghij");
    expect(text).not.toContain("abc.def.ghi");
  });

  it("keeps a metrics entry's metric names and _aws metadata, scrubs its other fields, and writes it at any level", () => {
    // Prepare
    const { entries, logger } = memoryLogger("ERROR");
    const document = emfDocument(
      [{ dimensions: { service: "t" }, metrics: [{ name: "TokensIssued", value: 2, unit: "Count" }] }],
      {
        timestamp: 1_700_000_000_000,
        properties: { authorization: "Basic xyz", requestId: "mrd_0123456789abcdefghij" },
      },
    );

    // Act
    logger.info("dropped below the level");
    logger.metrics("request", document);

    // Assess
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ level: "INFO", message: "request", TokensIssued: 2, service: "t" });
    expect(entries[0]).toMatchObject({ authorization: REDACTED, requestId: REDACTED });
    expect(entries[0]?._aws).toEqual({
      Timestamp: 1_700_000_000_000,
      CloudWatchMetrics: [
        {
          Namespace: expect.any(String),
          Dimensions: [["service"]],
          Metrics: [{ Name: "TokensIssued", Unit: "Count" }],
        },
      ],
    });
  });
});
