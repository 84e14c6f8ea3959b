// The part of autocannon 9's API the api bench uses (the package ships no types).
declare module 'autocannon' {
  interface RawRequest {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
  }
  interface RequestContext {
    i?: number;
    sentAt?: number;
  }
  interface Options {
    url: string;
    connections?: number;
    amount?: number;
    duration?: number;
    requests?: {
      method?: string;
      /** `context` is the connection's, reset before each request is set up. */
      setupRequest?: (request: RawRequest, context: RequestContext) => RawRequest;
      onResponse?: (status: number, body: string, context: RequestContext) => void;
    }[];
  }
  interface Result {
    errors: number;
    timeouts: number;
    requests: { total: number; average: number };
    latency: { p50: number; p99: number; average: number };
  }
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
