/**
 * Part of FakeGitHub (a FAKE of GitHub's REST API for tests): checks requests and responses
 * against the operation's description from `@octokit/openapi` with ajv. Schemas are compiled
 * lazily, one operation at a time.
 */
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { OpenApiOperation } from './openapi-description';
import { formatsUsed, JsonSchema, openApiToJsonSchema } from './openapi-schema';

/** Statuses GitHub can answer on any operation even where the description does not list them. */
const GENERIC_STATUSES = new Set([401, 403, 404, 409, 422, 429, 500, 502, 503, 504]);

const BASIC_ERROR: JsonSchema = {
  type: 'object',
  properties: {
    message: { type: 'string' },
    documentation_url: { type: 'string' },
    url: { type: 'string' },
    status: { type: 'string' },
    errors: { type: 'array' },
  },
  required: ['message'],
};

export interface RequestParts {
  pathParams: Record<string, string>;
  query: Record<string, string>;
  contentType?: string;
  /** Parsed JSON body, or a Buffer for binary uploads, or undefined when there was none. */
  body?: unknown;
}

function formatErrors(validate: ValidateFunction, where: string): string[] {
  return (validate.errors ?? [])
    .slice(0, 8)
    .map(
      (e) =>
        `${where}${e.instancePath || ''} ${e.message ?? 'is invalid'}${e.params && Object.keys(e.params).length ? ' ' + JSON.stringify(e.params) : ''}`,
    );
}

export class OpenApiValidator {
  private readonly ajv: Ajv;
  private readonly coercingAjv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly closeObjects = true) {
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.coercingAjv = new Ajv({ strict: false, allErrors: true, coerceTypes: true });
    addFormats(this.coercingAjv);
  }

  private compile(ajv: Ajv, key: string, schema: JsonSchema): ValidateFunction {
    let fn = this.compiled.get(key);
    if (!fn) {
      for (const format of formatsUsed(schema)) {
        if (!(format in ajv.formats)) ajv.addFormat(format, true);
      }
      fn = ajv.compile(schema);
      this.compiled.set(key, fn);
    }
    return fn;
  }

  validateRequest(op: OpenApiOperation, parts: RequestParts): string[] {
    const violations: string[] = [];
    for (const location of ['path', 'query'] as const) {
      const declared = (op.parameters ?? []).filter((p) => p.in === location);
      const given = location === 'path' ? parts.pathParams : parts.query;
      const schema: JsonSchema = {
        type: 'object',
        properties: Object.fromEntries(declared.map((p) => [p.name, openApiToJsonSchema(p.schema ?? {})])),
        required: declared.filter((p) => p.required).map((p) => p.name),
        additionalProperties: false,
      };
      const validate = this.compile(this.coercingAjv, `${op.operationId} ${location}`, schema);
      if (!validate({ ...given })) violations.push(...formatErrors(validate, `${location} parameters`));
    }
    const content = op.requestBody?.content;
    if (!content) {
      if (parts.body !== undefined && !(Buffer.isBuffer(parts.body) && parts.body.length === 0))
        violations.push('request has a body but the operation takes none');
      return violations;
    }
    if (
      parts.body === undefined ||
      (Buffer.isBuffer(parts.body) && parts.body.length === 0 && content['application/json'])
    ) {
      if (op.requestBody?.required) violations.push('request body is required');
      return violations;
    }
    if (content['application/json']) {
      if (Buffer.isBuffer(parts.body)) {
        violations.push('request body must be JSON');
        return violations;
      }
      const schema = openApiToJsonSchema(content['application/json'].schema ?? {}, {
        closeObjects: this.closeObjects,
      });
      const validate = this.compile(this.ajv, `${op.operationId} request`, schema);
      if (!validate(parts.body)) violations.push(...formatErrors(validate, 'request body'));
    } else if (content['application/octet-stream']) {
      if (!parts.contentType) violations.push('binary upload without a Content-Type header');
    }
    return violations;
  }

  validateResponse(
    op: OpenApiOperation,
    status: number,
    contentType: string | undefined,
    body: unknown,
  ): string[] {
    const response = op.responses[String(status)];
    if (!response) {
      if (GENERIC_STATUSES.has(status)) {
        const validate = this.compile(this.ajv, 'basic-error', BASIC_ERROR);
        return validate(body) ? [] : formatErrors(validate, `${status} response body`);
      }
      return [
        `status ${status} is not a documented response of ${op.operationId} (documented: ${Object.keys(op.responses).join(', ')})`,
      ];
    }
    const content = response.content;
    if (!content) {
      if (body === undefined) return [];
      // The description leaves some error responses without content; GitHub still sends its error object.
      if (status >= 400) {
        const validate = this.compile(this.ajv, 'basic-error', BASIC_ERROR);
        return validate(body) ? [] : formatErrors(validate, `${status} response body`);
      }
      return [`${status} response of ${op.operationId} must have no body`];
    }
    if (contentType && !contentType.startsWith('application/json')) {
      return Object.keys(content).some((c) => contentType.startsWith(c))
        ? []
        : [`${status} response content type ${contentType} is not documented`];
    }
    const json = content['application/json'];
    if (!json?.schema) return [];
    const schema = openApiToJsonSchema(json.schema, { closeObjects: this.closeObjects });
    const validate = this.compile(this.ajv, `${op.operationId} ${status}`, schema);
    return validate(body) ? [] : formatErrors(validate, `${status} response body`);
  }
}
