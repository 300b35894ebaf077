/**
 * The MCP SDK, imported on first use. Importing it takes about a second on a busy machine (measured 1.1–1.6 s for the
 * client module at load 20), which a bot without MCP servers would pay at every start for nothing.
 */
async function load() {
  const [client, stdio, http] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/stdio.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
  ]);
  return {
    Client: client.Client,
    StdioClientTransport: stdio.StdioClientTransport,
    StreamableHTTPClientTransport: http.StreamableHTTPClientTransport,
  };
}

let loaded: ReturnType<typeof load> | undefined;

/** The SDK's client and transports (loaded once). */
export function mcpSdk(): ReturnType<typeof load> {
  loaded ??= load();
  return loaded;
}
