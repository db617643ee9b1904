import { Transform, type TransformCallback } from "node:stream";
import { S3Error } from "./errors.ts";

const malformed = () =>
  new S3Error(400, "IncompleteBody", "The request body is not valid aws-chunked content-encoding.");

/**
 * Decodes `Content-Encoding: aws-chunked` bodies with unsigned chunks (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`),
 * which SDK v3 sends for a PutObject whose body is a stream: `<hex size>\r\n<data>\r\n` … `0\r\n`, then
 * trailer lines (`x-amz-checksum-crc32:…`) and an empty line. The trailers are kept for the caller.
 */
export class AwsChunkedDecoder extends Transform {
  readonly trailers = new Map<string, string>();
  private buffer: Buffer = Buffer.alloc(0);
  private remaining = 0;
  private state: "size" | "data" | "data-end" | "trailer" | "done" = "size";

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    try {
      this.drain();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    callback(this.state === "done" ? null : malformed());
  }

  private drain(): void {
    for (;;) {
      if (this.state === "done") {
        this.buffer = Buffer.alloc(0);
        return;
      }
      if (this.state === "data") {
        if (this.buffer.length === 0) return;
        const n = Math.min(this.remaining, this.buffer.length);
        this.push(this.buffer.subarray(0, n));
        this.buffer = this.buffer.subarray(n);
        this.remaining -= n;
        if (this.remaining === 0) this.state = "data-end";
        continue;
      }
      const eol = this.buffer.indexOf("\r\n");
      if (eol < 0) {
        if (this.buffer.length > 8192) throw malformed();
        return;
      }
      const line = this.buffer.subarray(0, eol).toString("latin1");
      this.buffer = this.buffer.subarray(eol + 2);
      if (this.state === "data-end") {
        if (line !== "") throw malformed();
        this.state = "size";
      } else if (this.state === "size") {
        const size = line.split(";")[0] ?? "";
        if (!/^[0-9a-fA-F]{1,16}$/.test(size)) throw malformed();
        this.remaining = Number.parseInt(size, 16);
        this.state = this.remaining === 0 ? "trailer" : "data";
      } else if (line === "") {
        this.state = "done";
      } else {
        const colon = line.indexOf(":");
        if (colon <= 0) throw malformed();
        this.trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
    }
  }
}
