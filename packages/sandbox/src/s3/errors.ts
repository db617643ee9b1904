import { elements, XML_DECLARATION } from "./xml.ts";

/**
 * An S3 error response: S3's status, its `Code` and `Message` (copied from S3's error reference, so that
 * SDK clients raise the same exception classes as in AWS), and the extra elements S3 adds for some codes
 * (`Key`, `BucketName`, `ProposedSize`, `MaxSizeAllowed`, `StringToSign`…).
 */
export class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, string | number | undefined> = {},
  ) {
    super(message);
    this.name = "S3Error";
  }

  /** S3's body: `<Error><Code/><Message/>…details<RequestId/><HostId/></Error>`. */
  toXml(requestId: string, hostId: string): string {
    return `${XML_DECLARATION}<Error>${elements({ Code: this.code, Message: this.message, ...this.details, RequestId: requestId, HostId: hostId })}</Error>`;
  }
}

export const accessDenied = (message = "Access Denied") => new S3Error(403, "AccessDenied", message);

export const signatureDoesNotMatch = (details: Record<string, string | undefined> = {}) =>
  new S3Error(
    403,
    "SignatureDoesNotMatch",
    "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
    details,
  );

export const invalidAccessKeyId = (accessKeyId: string) =>
  new S3Error(
    403,
    "InvalidAccessKeyId",
    "The AWS Access Key Id you provided does not exist in our records.",
    {
      AWSAccessKeyId: accessKeyId,
    },
  );

export const invalidArgument = (message: string, name?: string, value?: string) =>
  new S3Error(400, "InvalidArgument", message, { ArgumentName: name, ArgumentValue: value });

export const noSuchBucket = (bucket: string) =>
  new S3Error(404, "NoSuchBucket", "The specified bucket does not exist", { BucketName: bucket });

export const noSuchKey = (key: string) =>
  new S3Error(404, "NoSuchKey", "The specified key does not exist.", { Key: key });

export const notImplemented = (what: string) =>
  new S3Error(501, "NotImplemented", "A header you provided implies functionality that is not implemented", {
    Header: what,
  });

export const entityTooLarge = (proposed: number, max: number) =>
  new S3Error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", {
    ProposedSize: proposed,
    MaxSizeAllowed: max,
  });

export const entityTooSmall = (proposed: number, min: number) =>
  new S3Error(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size", {
    ProposedSize: proposed,
    MinSizeAllowed: min,
  });

/** S3 keys are at most 1,024 bytes of UTF-8. */
export function checkKeyLength(key: string): void {
  if (Buffer.byteLength(key) > 1024) {
    throw new S3Error(400, "KeyTooLongError", "Your key is too long", {
      Size: Buffer.byteLength(key),
      MaxSizeAllowed: 1024,
    });
  }
}

export const badDigest = (message: string) => new S3Error(400, "BadDigest", message);

export const malformedXml = () =>
  new S3Error(
    400,
    "MalformedXML",
    "The XML you provided was not well-formed or did not validate against our published schema",
  );
