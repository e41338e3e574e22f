import type { ErrorCode } from '../bindings/ErrorCode';
import type { S3ConfigInput } from '../bindings/S3ConfigInput';

/** An empty bucket form; path-style suits most S3-compatible servers. */
export function blankS3(): S3ConfigInput {
  return { endpoint: '', region: '', bucket: '', prefix: '', access_key: '', path_style: true };
}

/** The codes that belong under the bucket's fields rather than the whole form. */
export function isS3Code(code: string): code is ErrorCode {
  return ['s3_invalid_config', 's3_unreachable', 's3_access_denied', 's3_no_such_bucket'].includes(code);
}
