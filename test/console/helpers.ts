// Shared by the console's tests: HTTP GETs with or without Basic authentication, and a Server-Sent Events reader
// that keeps every byte it received (the secrecy tests search them).
import { request, type IncomingMessage } from 'node:http';

export const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

export interface Got {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A GET (or another method) of `url`, its body as text. */
export function get(url: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text, json: () => JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export interface SseEvent {
  event: string;
  data: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface Stream {
  status: number;
  headers: IncomingMessage['headers'];
  events: SseEvent[];
  /** Every byte received so far, as text. */
  raw: () => string;
  /** Resolves once `predicate` holds of the events received (checked as they arrive), or rejects after `ms`. */
  until: (predicate: (events: SseEvent[]) => boolean, ms?: number) => Promise<void>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close: () => void;
}

/** Opens /console/events (or any SSE URL) and parses its events as they come. */
export function openStream(url: string, headers: Record<string, string> = {}): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      let raw = '';
      let buffer = '';
      const events: SseEvent[] = [];
      const waiters = new Set<() => void>();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length) events.push({ event, data: JSON.parse(data.join('\n')) });
        }
        for (const w of [...waiters]) w();
      });
      const ended = new Promise<void>((done) => res.on('close', () => done()));
      resolve({
        status: res.statusCode!,
        headers: res.headers,
        events,
        raw: () => raw,
        ended,
        close: () => req.destroy(),
        until: (predicate, ms = 5000) =>
          new Promise<void>((ok, fail) => {
            const check = () => {
              if (!predicate(events)) return;
              waiters.delete(check);
              clearTimeout(timer);
              ok();
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`the stream did not get there in ${ms} ms; events: ${JSON.stringify(events).slice(0, 2000)}`));
            }, ms);
            waiters.add(check);
            check();
          }),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** The calls of every `calls` message received. */
export const callsOf = (events: SseEvent[]) => events.filter((e) => e.event === 'calls').flatMap((e) => e.data.calls as Record<string, unknown>[]);
/** The calls counted in every `calls` message (ok + errors). */
export const countedOf = (events: SseEvent[]) =>
  events.filter((e) => e.event === 'calls').reduce((n, e) => n + (e.data.counts as number[][]).reduce((m, [, ok, err]) => m + ok! + err!, 0), 0);

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
