namespace AgentRuntime.Testing.Mcp;

/// <summary>
/// A tiny MCP server for tests: a Node.js script that speaks JSON-RPC 2.0 over stdio (one message per line), with one
/// tool, <c>record</c>, that writes its <c>text</c> argument to <c>recorded.txt</c> in its working directory (or in
/// <c>MCP_RECORD_DIR</c>) and answers with that directory, the value of its <c>MCP_GREETING</c> environment variable and
/// the content of <c>installed.txt</c> in its working directory, if an install step left one. Ship it in a profile as a
/// bundled MCP server (<c>node server.js</c>).
/// </summary>
public static class StdioMcpTestServer
{
    /// <summary>The server's file name in its project.</summary>
    public const string FileName = "server.js";

    /// <summary>The name of its one tool.</summary>
    public const string ToolName = "record";

    /// <summary>The file the tool writes, in the server's working directory.</summary>
    public const string RecordedFile = "recorded.txt";

    /// <summary>The script.</summary>
    public const string Script = """
        #!/usr/bin/env node
        'use strict';
        const fs = require('fs');
        const readline = require('readline');
        const send = (message) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', ...message }) + '\n');
        const tool = {
          name: 'record',
          description: 'Records a note in a file.',
          inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
        };
        readline.createInterface({ input: process.stdin }).on('line', (line) => {
          let request;
          try { request = JSON.parse(line); } catch { return; }
          const { id, method, params } = request;
          if (id === undefined) return; // a notification
          switch (method) {
            case 'initialize':
              return send({ id, result: {
                protocolVersion: (params && params.protocolVersion) || '2025-06-18',
                capabilities: { tools: {} },
                serverInfo: { name: 'stdio-mcp-test-server', version: '1.0.0' },
              } });
            case 'ping':
              return send({ id, result: {} });
            case 'tools/list':
              return send({ id, result: { tools: [tool] } });
            case 'tools/call': {
              if (!params || params.name !== tool.name) {
                return send({ id, error: { code: -32602, message: 'unknown tool' } });
              }
              const text = String((params.arguments || {}).text);
              fs.writeFileSync(require('path').join(process.env.MCP_RECORD_DIR || '.', 'recorded.txt'), text);
              const installed = fs.existsSync('installed.txt') ? fs.readFileSync('installed.txt', 'utf8').trim() : 'none';
              return send({ id, result: { content: [{ type: 'text', text: `recorded in ${process.cwd()} greeting=${process.env.MCP_GREETING} installed=${installed}` }] } });
            }
            default:
              return send({ id, error: { code: -32601, message: `no method ${method}` } });
          }
        });
        """;
}
