/**
 * The errors hmac-kms throws, one class per AWS error code, shaped like `@aws-sdk/client-kms`'s: `name` is the AWS
 * code, `message` the AWS text, `$fault` `'client' | 'server'`. `name` is a literal on each class (never
 * `constructor.name`, which minifiers rename), so `switch (err.name)` narrows `AnyKmsError`.
 */

export interface KmsErrorMetadata {
  httpStatusCode?: number;
  requestId?: string;
}

export abstract class KmsServiceException extends Error {
  abstract override readonly name: string;
  abstract readonly $fault: 'client' | 'server';
  $metadata: KmsErrorMetadata = {};

  constructor(message = '', options?: { cause?: unknown }) {
    super(message, options);
    (Error as { captureStackTrace?: (target: object, ctor: Function) => void }).captureStackTrace?.(this, new.target);
  }
}

abstract class ClientError extends KmsServiceException {
  readonly $fault = 'client' as const;
}
abstract class ServerError extends KmsServiceException {
  readonly $fault = 'server' as const;
}

// Modelled KMS errors (service model `errors` of the operations hmac-kms serves).
export class AlreadyExistsException extends ClientError {
  override readonly name = 'AlreadyExistsException' as const;
}
export class CustomKeyStoreNotFoundException extends ClientError {
  override readonly name = 'CustomKeyStoreNotFoundException' as const;
}
export class DisabledException extends ClientError {
  override readonly name = 'DisabledException' as const;
}
export class DryRunOperationException extends ClientError {
  override readonly name = 'DryRunOperationException' as const;
}
export class IncorrectKeyException extends ClientError {
  override readonly name = 'IncorrectKeyException' as const;
}
export class InvalidAliasNameException extends ClientError {
  override readonly name = 'InvalidAliasNameException' as const;
}
export class InvalidArnException extends ClientError {
  override readonly name = 'InvalidArnException' as const;
}
export class InvalidCiphertextException extends ClientError {
  override readonly name = 'InvalidCiphertextException' as const;
}
export class InvalidGrantIdException extends ClientError {
  override readonly name = 'InvalidGrantIdException' as const;
}
export class InvalidGrantTokenException extends ClientError {
  override readonly name = 'InvalidGrantTokenException' as const;
}
export class InvalidKeyUsageException extends ClientError {
  override readonly name = 'InvalidKeyUsageException' as const;
}
export class InvalidMarkerException extends ClientError {
  override readonly name = 'InvalidMarkerException' as const;
}
export class KMSInvalidMacException extends ClientError {
  override readonly name = 'KMSInvalidMacException' as const;
}
export class KMSInvalidStateException extends ClientError {
  override readonly name = 'KMSInvalidStateException' as const;
}
export class LimitExceededException extends ClientError {
  override readonly name = 'LimitExceededException' as const;
}
export class MalformedPolicyDocumentException extends ClientError {
  override readonly name = 'MalformedPolicyDocumentException' as const;
}
export class NotFoundException extends ClientError {
  override readonly name = 'NotFoundException' as const;
}
export class TagException extends ClientError {
  override readonly name = 'TagException' as const;
}
export class UnsupportedOperationException extends ClientError {
  override readonly name = 'UnsupportedOperationException' as const;
}
export class DependencyTimeoutException extends ServerError {
  override readonly name = 'DependencyTimeoutException' as const;
}
export class KeyUnavailableException extends ServerError {
  override readonly name = 'KeyUnavailableException' as const;
}
export class KMSInternalException extends ServerError {
  override readonly name = 'KMSInternalException' as const;
}

// Errors every AWS JSON service returns without modelling them.
export class ValidationException extends ClientError {
  override readonly name = 'ValidationException' as const;
}
export class AccessDeniedException extends ClientError {
  override readonly name = 'AccessDeniedException' as const;
}
export class SerializationException extends ClientError {
  override readonly name = 'SerializationException' as const;
}
export class UnknownOperationException extends ClientError {
  override readonly name = 'UnknownOperationException' as const;
}
export class MissingAuthenticationTokenException extends ClientError {
  override readonly name = 'MissingAuthenticationTokenException' as const;
}
export class UnrecognizedClientException extends ClientError {
  override readonly name = 'UnrecognizedClientException' as const;
}
export class InvalidSignatureException extends ClientError {
  override readonly name = 'InvalidSignatureException' as const;
}
export class IncompleteSignatureException extends ClientError {
  override readonly name = 'IncompleteSignatureException' as const;
}

export type AnyKmsError =
  | AlreadyExistsException
  | CustomKeyStoreNotFoundException
  | DisabledException
  | DryRunOperationException
  | IncorrectKeyException
  | InvalidAliasNameException
  | InvalidArnException
  | InvalidCiphertextException
  | InvalidGrantIdException
  | InvalidGrantTokenException
  | InvalidKeyUsageException
  | InvalidMarkerException
  | KMSInvalidMacException
  | KMSInvalidStateException
  | LimitExceededException
  | MalformedPolicyDocumentException
  | NotFoundException
  | TagException
  | UnsupportedOperationException
  | DependencyTimeoutException
  | KeyUnavailableException
  | KMSInternalException
  | ValidationException
  | AccessDeniedException
  | SerializationException
  | UnknownOperationException
  | MissingAuthenticationTokenException
  | UnrecognizedClientException
  | InvalidSignatureException
  | IncompleteSignatureException;
