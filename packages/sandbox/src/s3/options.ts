import { parseConfig } from "@meridian/core";
import * as z from "zod/mini";
import type { S3CorsRule } from "./cors.ts";
import type { S3Credentials } from "./sigv4.ts";

export interface S3StoreOptions {
  /** The only key pair the store accepts (SigV4 on every request, presigned URLs and POST policies). */
  credentials: S3Credentials;
  /** Where buckets and objects live (the sandbox home's `s3/` later). Undefined: a private temporary directory removed at stop. */
  dataDir?: string;
  /** The region requests must be signed for. Default us-east-1. */
  region?: string;
  /** Port on 127.0.0.1; default 0 (a free one, read back from `endpoint`). */
  port?: number;
  /** Buckets created at start when missing. */
  buckets?: string[];
  /** CORS rules of every bucket (S3's semantics: see cors.ts). Default none: cross-origin browsers are refused. */
  cors?: S3CorsRule[];
  /** Internal errors (an answer of 500, a listener that threw). Default: console.error. */
  onError?: (error: unknown, where: string) => void;
}

const OptionsSchema = z.strictObject({
  // Not strict: SDK clients given the same object add their own keys to it ($source).
  credentials: z.object({
    accessKeyId: z.string().check(z.minLength(1)),
    secretAccessKey: z.string().check(z.minLength(1)),
  }),
  dataDir: z.optional(z.string().check(z.minLength(1))),
  region: z._default(z.string().check(z.regex(/^[a-z0-9-]+$/)), "us-east-1"),
  port: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(65_535)), 0),
  buckets: z._default(
    z.array(z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "an S3 bucket name"))),
    [],
  ),
  cors: z._default(
    z.array(
      z.strictObject({
        allowedOrigins: z.array(z.string().check(z.minLength(1))),
        allowedMethods: z.array(z.enum(["GET", "PUT", "POST", "DELETE", "HEAD"])),
        allowedHeaders: z.optional(z.array(z.string())),
        maxAgeSeconds: z.optional(z.number().check(z.int(), z.minimum(0))),
      }),
    ),
    [],
  ),
  onError: z.optional(
    z.custom<(error: unknown, where: string) => void>((v) => typeof v === "function", "must be a function"),
  ),
});

export type ResolvedS3StoreOptions = z.output<typeof OptionsSchema>;

export class S3StoreOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "S3StoreOptionsError";
  }
}

export function resolveS3StoreOptions(options: S3StoreOptions): ResolvedS3StoreOptions {
  return parseConfig(
    OptionsSchema,
    options,
    "options",
    (problems) => new S3StoreOptionsError(`Invalid S3 store options:\n  ${problems.join("\n  ")}`),
  );
}
