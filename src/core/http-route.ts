/** What an extra HTTP route sees of a request (no body: these routes are GETs). */
export interface HttpRouteRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  /** The client's address as the socket reports it (e.g. `127.0.0.1`, `::1`, `::ffff:127.0.0.1`). */
  remoteAddress: string | undefined;
}

/** What an extra HTTP route answers. */
export interface HttpRouteResponse {
  status: number;
  contentType: string;
  body: string;
}

/** A route served next to /healthz on the bot's HTTP server (e.g. /metrics), without a vendor import. */
export interface HttpRoute {
  path: string;
  handle(req: HttpRouteRequest): Promise<HttpRouteResponse>;
}
