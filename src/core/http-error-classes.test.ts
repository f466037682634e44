import { describe, expect, it } from 'vitest';
import * as errors from './http-error.ts';
import {
  BadRequest,
  ContentTooLarge,
  Found,
  HttpClientError,
  HttpError,
  HttpMove,
  HttpRedirect,
  HttpServerError,
  InternalServerError,
  MethodNotAllowed,
  MovedPermanently,
  MultipleChoices,
  NotFound,
  PermanentRedirect,
  ProxyAuthenticationRequired,
  RangeNotSatisfiable,
  SeeOther,
  ServiceUnavailable,
  TemporaryRedirect,
  TooManyRequests,
  Unauthorized,
  UnavailableForLegalReasons,
  UpgradeRequired,
  UseProxy,
  type HttpErrorClass,
} from './http-error.ts';

type Build = () => HttpError;

// Every named class, with the reason phrase of RFC 9110 §15 (or its defining RFC).
const TABLE: readonly (readonly [number, string, string, Build])[] = [
  [300, 'MultipleChoices', 'Multiple Choices', () => new errors.MultipleChoices()],
  [301, 'MovedPermanently', 'Moved Permanently', () => new errors.MovedPermanently('/x')],
  [302, 'Found', 'Found', () => new errors.Found('/x')],
  [303, 'SeeOther', 'See Other', () => new errors.SeeOther('/x')],
  [304, 'NotModified', 'Not Modified', () => new errors.NotModified()],
  [305, 'UseProxy', 'Use Proxy', () => new errors.UseProxy('http://proxy.test/')],
  [307, 'TemporaryRedirect', 'Temporary Redirect', () => new errors.TemporaryRedirect('/x')],
  [308, 'PermanentRedirect', 'Permanent Redirect', () => new errors.PermanentRedirect('/x')],
  [400, 'BadRequest', 'Bad Request', () => new errors.BadRequest()],
  [401, 'Unauthorized', 'Unauthorized', () => new errors.Unauthorized('Basic realm="x"')],
  [402, 'PaymentRequired', 'Payment Required', () => new errors.PaymentRequired()],
  [403, 'Forbidden', 'Forbidden', () => new errors.Forbidden()],
  [404, 'NotFound', 'Not Found', () => new errors.NotFound()],
  [405, 'MethodNotAllowed', 'Method Not Allowed', () => new errors.MethodNotAllowed(['GET'])],
  [406, 'NotAcceptable', 'Not Acceptable', () => new errors.NotAcceptable()],
  [
    407,
    'ProxyAuthenticationRequired',
    'Proxy Authentication Required',
    () => new errors.ProxyAuthenticationRequired('Basic realm="p"'),
  ],
  [408, 'RequestTimeout', 'Request Timeout', () => new errors.RequestTimeout()],
  [409, 'Conflict', 'Conflict', () => new errors.Conflict()],
  [410, 'Gone', 'Gone', () => new errors.Gone()],
  [411, 'LengthRequired', 'Length Required', () => new errors.LengthRequired()],
  [412, 'PreconditionFailed', 'Precondition Failed', () => new errors.PreconditionFailed()],
  [413, 'ContentTooLarge', 'Content Too Large', () => new errors.ContentTooLarge()],
  [414, 'UriTooLong', 'URI Too Long', () => new errors.UriTooLong()],
  [415, 'UnsupportedMediaType', 'Unsupported Media Type', () => new errors.UnsupportedMediaType()],
  [416, 'RangeNotSatisfiable', 'Range Not Satisfiable', () => new errors.RangeNotSatisfiable()],
  [417, 'ExpectationFailed', 'Expectation Failed', () => new errors.ExpectationFailed()],
  [418, 'ImATeapot', "I'm a teapot", () => new errors.ImATeapot()],
  [421, 'MisdirectedRequest', 'Misdirected Request', () => new errors.MisdirectedRequest()],
  [422, 'UnprocessableContent', 'Unprocessable Content', () => new errors.UnprocessableContent()],
  [423, 'Locked', 'Locked', () => new errors.Locked()],
  [424, 'FailedDependency', 'Failed Dependency', () => new errors.FailedDependency()],
  [425, 'TooEarly', 'Too Early', () => new errors.TooEarly()],
  [426, 'UpgradeRequired', 'Upgrade Required', () => new errors.UpgradeRequired('websocket')],
  [428, 'PreconditionRequired', 'Precondition Required', () => new errors.PreconditionRequired()],
  [429, 'TooManyRequests', 'Too Many Requests', () => new errors.TooManyRequests()],
  [
    431,
    'RequestHeaderFieldsTooLarge',
    'Request Header Fields Too Large',
    () => new errors.RequestHeaderFieldsTooLarge(),
  ],
  [
    451,
    'UnavailableForLegalReasons',
    'Unavailable For Legal Reasons',
    () => new errors.UnavailableForLegalReasons(),
  ],
  [500, 'InternalServerError', 'Internal Server Error', () => new errors.InternalServerError()],
  [501, 'NotImplemented', 'Not Implemented', () => new errors.NotImplemented()],
  [502, 'BadGateway', 'Bad Gateway', () => new errors.BadGateway()],
  [503, 'ServiceUnavailable', 'Service Unavailable', () => new errors.ServiceUnavailable()],
  [504, 'GatewayTimeout', 'Gateway Timeout', () => new errors.GatewayTimeout()],
  [
    505,
    'HttpVersionNotSupported',
    'HTTP Version Not Supported',
    () => new errors.HttpVersionNotSupported(),
  ],
  [
    506,
    'VariantAlsoNegotiates',
    'Variant Also Negotiates',
    () => new errors.VariantAlsoNegotiates(),
  ],
  [507, 'InsufficientStorage', 'Insufficient Storage', () => new errors.InsufficientStorage()],
  [508, 'LoopDetected', 'Loop Detected', () => new errors.LoopDetected()],
  [510, 'NotExtended', 'Not Extended', () => new errors.NotExtended()],
  [
    511,
    'NetworkAuthenticationRequired',
    'Network Authentication Required',
    () => new errors.NetworkAuthenticationRequired(),
  ],
];

function groupOf(status: number): HttpErrorClass {
  if (status < 400) return HttpRedirect;
  return status < 500 ? HttpClientError : HttpServerError;
}

describe('the HTTP error classes', () => {
  it.each(TABLE)('%i is %s, titled %j', (status, name, title, build) => {
    const error = build();
    const Class = (errors as unknown as Record<string, HttpErrorClass>)[name];
    expect(Class).toBeDefined();
    expect(error).toBeInstanceOf(Class!);
    expect(error).toBeInstanceOf(groupOf(status));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toBeInstanceOf(Error);
    expect(Class!.status).toBe(status);
    expect(Class!.title).toBe(title);
    expect(error.status).toBe(status);
    expect(error.title).toBe(title);
    expect(error.name).toBe(name);
    expect(error.message).toBe(`${status} ${title}`);
    expect(errors.errorClassFor(status)).toBe(Class);
    expect(errors.isHttpError(error)).toBe(true);
    expect(error.toResponse().status).toBe(status);
  });

  it('has a class for every status in the table and no other', () => {
    const named = (Object.values(errors) as unknown[]).filter(
      (value): value is HttpErrorClass =>
        typeof value === 'function' && value.prototype instanceof HttpError && 'status' in value,
    );
    const concrete = named.filter((Class) => Class.status !== 0);
    expect(concrete.map((Class) => Class.status).sort((a, b) => a - b)).toEqual(
      TABLE.map(([status]) => status),
    );
  });
});

describe('HttpError', () => {
  it('keeps detail and adds it to the message', () => {
    const error = new NotFound('no page "about"');
    expect(error.detail).toBe('no page "about"');
    expect(error.message).toBe('404 Not Found: no page "about"');
  });

  it('keeps the cause for logs', () => {
    const cause = new Error('ENOENT');
    expect(new InternalServerError('read failed', { cause }).cause).toBe(cause);
    expect('cause' in new InternalServerError()).toBe(false);
  });

  it.each([
    [301, true],
    [404, true],
    [499, true],
    [500, false],
    [599, false],
  ])('exposes the detail of a %i by default: %s', (status, expose) => {
    expect(errors.httpError(status, 'd', { headers: { location: '/' } }).expose).toBe(expose);
  });

  it('copies the headers it is given and leaves the caller’s object alone', () => {
    const headers = new Headers({ 'x-trace': 'abc' });
    const error = new BadRequest(undefined, { headers });
    error.headers.set('x-more', '1');
    expect(error.headers.get('x-trace')).toBe('abc');
    expect(headers.has('x-more')).toBe(false);
  });

  it('rejects a detail that is not a string', () => {
    expect(() => new BadRequest(42 as unknown as string)).toThrow(TypeError);
  });

  it('rejects a subclass without a status in 300-599', () => {
    class NoStatus extends HttpClientError {}
    class Informational extends HttpClientError {
      static override readonly status = 102;
    }
    expect(() => new NoStatus()).toThrow(RangeError);
    expect(() => new Informational()).toThrow(RangeError);
  });

  it('supports a user-defined status as a subclass', async () => {
    class EnhanceYourCalm extends HttpClientError {
      static override readonly status = 420;
      static override readonly title = 'Enhance Your Calm';
    }
    const response = new EnhanceYourCalm('slow down').toResponse();
    expect(response.status).toBe(420);
    expect(await response.text()).toBe('420 Enhance Your Calm\n\nslow down\n');
  });
});

describe('redirects', () => {
  it.each([
    [MovedPermanently, 301],
    [Found, 302],
    [SeeOther, 303],
    [UseProxy, 305],
    [TemporaryRedirect, 307],
    [PermanentRedirect, 308],
  ])('%o sets Location and links to it', async (Class, status) => {
    const error = new Class('/next?a=1');
    expect(error).toBeInstanceOf(HttpMove);
    expect(error.location).toBe('/next?a=1');
    const response = error.toResponse();
    expect(response.status).toBe(status);
    expect(response.headers.get('location')).toBe('/next?a=1');
    expect(await response.text()).toContain('Redirecting to /next?a=1');
  });

  it.each([
    ['/relative/path', '/relative/path'],
    ['../up?x=1#frag', '../up?x=1#frag'],
    ['//cdn.example/asset', '//cdn.example/asset'],
    ['https://example.com/a/b?c=d', 'https://example.com/a/b?c=d'],
    ['HTTPS://Example.COM', 'https://example.com/'],
    ['/café', '/caf%C3%A9'],
    ['https://bücher.example/', 'https://xn--bcher-kva.example/'],
    ['/already%20encoded', '/already%20encoded'],
    ['mailto:ops@example.com', 'mailto:ops@example.com'],
  ])('accepts the location %j as %j', (location, expected) => {
    expect(new Found(location).headers.get('location')).toBe(expected);
  });

  it('accepts a URL object', () => {
    expect(new SeeOther(new URL('https://example.com/done')).location).toBe(
      'https://example.com/done',
    );
  });

  it.each([
    ['CR LF', '/a\r\nSet-Cookie: x=1'],
    ['LF', '/a\nb'],
    ['CR', '/a\rb'],
    ['NUL', '/a\0b'],
    ['tab', '/a\tb'],
    ['DEL', '/a\x7fb'],
    ['space', '/a b'],
    ['leading space', ' /a'],
    ['empty', ''],
    ['double quote', '/a"b'],
    ['angle bracket', '/a<b'],
    ['backslash', '/\\evil.example'],
    ['bad percent escape', '/a%zz'],
    ['truncated percent escape', '/a%4'],
    ['lone surrogate', '/a\ud800'],
    ['unparseable host', 'http://[::1/'],
    ['javascript URL', 'javascript:alert(1)'],
    ['JavaScript URL, mixed case', 'JavaScript:alert(1)'],
    ['vbscript URL', 'vbscript:msgbox'],
    ['data URL', 'data:text/html,<b>x</b>'],
  ])('rejects a location with %s', (_, location) => {
    expect(() => new Found(location)).toThrow(TypeError);
  });

  it('rejects a location that is not a string', () => {
    expect(() => new Found(42 as unknown as string)).toThrow(TypeError);
  });

  it('lets 300 name a preferred choice, or none', async () => {
    const withLocation = new MultipleChoices(undefined, { location: '/en' });
    expect(withLocation.headers.get('location')).toBe('/en');
    expect(await withLocation.toResponse().text()).toBe('300 Multiple Choices\n\nSee /en\n');
    const without = new MultipleChoices();
    expect(without.location).toBeUndefined();
    expect(without.headers.has('location')).toBe(false);
  });
});

describe('classes that set header fields', () => {
  it('sets WWW-Authenticate from one challenge', () => {
    const error = new Unauthorized('Basic realm="admin", charset="UTF-8"');
    expect(error.toResponse().headers.get('www-authenticate')).toBe(
      'Basic realm="admin", charset="UTF-8"',
    );
  });

  it('sends each challenge of a list, replacing one passed in headers', () => {
    const error = new Unauthorized(['Basic realm="a"', 'Bearer'], undefined, {
      headers: { 'www-authenticate': 'Stale' },
    });
    expect(error.headers.get('www-authenticate')).toBe('Basic realm="a", Bearer');
  });

  it.each([[[]], [''], ['  '], ['Basic\r\nX-Evil: 1']])('rejects the challenge %j', (challenge) => {
    expect(() => new Unauthorized(challenge)).toThrow(TypeError);
  });

  it('sets Proxy-Authenticate for 407', () => {
    const error = new ProxyAuthenticationRequired(['Basic realm="p"', 'Digest realm="p"']);
    expect(error.headers.get('proxy-authenticate')).toBe('Basic realm="p", Digest realm="p"');
  });

  it('answers 405 with Allow listing the methods', () => {
    const error = new MethodNotAllowed(['GET', 'HEAD', 'OPTIONS']);
    expect(error.allow).toEqual(['GET', 'HEAD', 'OPTIONS']);
    expect(Object.isFrozen(error.allow)).toBe(true);
    expect(error.toResponse().headers.get('allow')).toBe('GET, HEAD, OPTIONS');
  });

  it('answers 405 with an empty Allow when no method is allowed', async () => {
    const response = new MethodNotAllowed([]).toResponse();
    expect(response.headers.get('allow')).toBe('');
    expect(await response.text()).toContain('No method is allowed.');
  });

  it.each(['GET HEAD', '', 'GET\r\n', 'PO,ST'])('rejects the method %j in allow', (method) => {
    expect(() => new MethodNotAllowed([method])).toThrow(TypeError);
  });

  it('sets Upgrade and Connection for 426', () => {
    const error = new UpgradeRequired(['HTTP/2.0', 'websocket']);
    expect(error.headers.get('upgrade')).toBe('HTTP/2.0, websocket');
    expect(error.headers.get('connection')).toBe('upgrade');
  });

  it.each([['a/b/c'], ['web socket'], [[]], ['/1.1']])(
    'rejects the Upgrade protocol %j',
    (upgrade) => {
      expect(() => new UpgradeRequired(upgrade)).toThrow(TypeError);
    },
  );

  it('sets Content-Range: bytes */length for 416', () => {
    const error = new RangeNotSatisfiable(undefined, { completeLength: 1024 });
    expect(error.headers.get('content-range')).toBe('bytes */1024');
    expect(new RangeNotSatisfiable().headers.has('content-range')).toBe(false);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'rejects the complete length %d for 416',
    (completeLength) => {
      expect(() => new RangeNotSatisfiable(undefined, { completeLength })).toThrow(RangeError);
    },
  );

  it.each([
    [TooManyRequests, 429],
    [ServiceUnavailable, 503],
  ])('sets Retry-After in seconds for %i', (Class, status) => {
    const error = new Class(undefined, { retryAfter: 120 });
    expect(error.status).toBe(status);
    expect(error.headers.get('retry-after')).toBe('120');
  });

  it.each([TooManyRequests, ServiceUnavailable])('sets Retry-After as an HTTP date', (Class) => {
    const error = new Class(undefined, { retryAfter: new Date(Date.UTC(2030, 0, 1, 12, 0, 0)) });
    expect(error.headers.get('retry-after')).toBe('Tue, 01 Jan 2030 12:00:00 GMT');
  });

  it.each([-1, 0.5, Number.NaN, new Date('not a date')])(
    'rejects the Retry-After value %s',
    (retryAfter) => {
      expect(() => new TooManyRequests(undefined, { retryAfter })).toThrow(RangeError);
      expect(() => new ServiceUnavailable(undefined, { retryAfter })).toThrow(RangeError);
    },
  );

  it('sends no Retry-After by default', () => {
    expect(new TooManyRequests().headers.has('retry-after')).toBe(false);
  });

  it('links to whoever blocks a 451', () => {
    const error = new UnavailableForLegalReasons('court order', {
      blockedBy: 'https://authority.example/',
    });
    expect(error.headers.get('link')).toBe('<https://authority.example/>; rel="blocked-by"');
    expect(() => new UnavailableForLegalReasons(undefined, { blockedBy: 'a b' })).toThrow(
      TypeError,
    );
  });

  it('keeps headers the caller passed beside the ones a class sets', () => {
    const error = new ContentTooLarge('at most 1 MiB', { headers: { connection: 'close' } });
    expect(error.headers.get('connection')).toBe('close');
  });
});
