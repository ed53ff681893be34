// VS Code client for the handover language server (`handover lsp`, LSP 3.17
// over stdio). The server does the work: diagnostics, completion, hover,
// definition, references, rename, formatting, document symbols and, when a
// conversations file is configured, inline simulation code lenses.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import {
  Executable,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
} from 'vscode-languageclient/node';

const CLIENT_ID = 'handover';
const CLIENT_NAME = 'handover language server';
const INSTALL_HINT =
  'Install it with `cargo install --path .` from a checkout of the handover repository ' +
  '(that puts `handover` in ~/.cargo/bin), or set `handover.server.path` to the executable.';

let client: LanguageClient | undefined;
let output: vscode.OutputChannel | undefined;
let starting: Promise<void> | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel('handover');
  context.subscriptions.push(output);

  context.subscriptions.push(
    vscode.commands.registerCommand('handover.restartServer', () => restart()),
    vscode.commands.registerCommand('handover.showOutput', () => output?.show(true)),
    { dispose: () => void stop() },
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (
        event.affectsConfiguration('handover.server.path') ||
        event.affectsConfiguration('handover.conversations')
      ) {
        void restart();
      }
    }),
  );

  await start();
}

export async function deactivate(): Promise<void> {
  await stop();
}

async function start(): Promise<void> {
  const config = vscode.workspace.getConfiguration('handover');
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;

  const command = findServer(config.get<string>('server.path', ''), folder);
  if (!command.path) {
    log(`handover executable not found: ${command.reason}`);
    const openSettings = 'Open Settings';
    void vscode.window
      .showErrorMessage(`The handover language server could not be started: ${command.reason}. ${INSTALL_HINT}`, openSettings)
      .then((choice) => {
        if (choice === openSettings) {
          void vscode.commands.executeCommand('workbench.action.openSettings', 'handover.server.path');
        }
      });
    return;
  }

  const conversations = resolvePath(config.get<string>('conversations', ''), folder);
  if (conversations && !fs.existsSync(conversations)) {
    log(`handover.conversations: ${conversations} does not exist (yet); passing it to the server anyway`);
  }

  // No `transport`: the client then talks over the child's stdin/stdout all
  // the same, without appending `--stdio` to the arguments (TransportKind.stdio
  // would, and `handover lsp` rejects unknown arguments).
  const executable: Executable = {
    command: command.path,
    args: ['lsp'],
    options: folder ? { cwd: folder } : undefined,
  };
  const serverOptions: ServerOptions = { run: executable, debug: executable };

  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: 'handover' }],
    // No `configurationSection`: the server would get the raw settings in
    // workspace/didChangeConfiguration, and take the unresolved
    // `handover.conversations` (`${workspaceFolder}/...`, `~/...`) over the
    // resolved initializationOptions; and on a change the old client would send
    // it while this extension restarts the server. A change restarts instead.
    synchronize: {
      fileEvents: [
        vscode.workspace.createFileSystemWatcher('**/*.handover'),
        vscode.workspace.createFileSystemWatcher('**/conversations.jsonl'),
        vscode.workspace.createFileSystemWatcher('**/*.conversations.jsonl'),
      ],
    },
    initializationOptions: { conversations: conversations ?? null },
    outputChannel: output,
  };

  log(`starting ${command.path} lsp${conversations ? ` (conversations: ${conversations})` : ''}`);
  client = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
  starting = client.start().catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    log(`the server failed to start: ${message}`);
    void vscode.window.showErrorMessage(`The handover language server (${command.path} lsp) failed to start: ${message}`);
  });
  await starting;
}

async function stop(): Promise<void> {
  const current = client;
  client = undefined;
  if (!current) {
    return;
  }
  try {
    await starting;
    if (current.isRunning()) {
      await current.stop();
    }
  } catch (err) {
    log(`stopping the server: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function restart(): Promise<void> {
  await stop();
  await start();
}

interface ServerLookup {
  path?: string;
  reason: string;
}

/** The `handover` executable: the setting when given, else PATH, else ~/.cargo/bin. */
export function findServer(setting: string, folder: string | undefined): ServerLookup {
  const raw = setting.trim();
  if (raw) {
    // A bare name such as "handover-dev" is looked up on PATH first.
    const bare = !/[\\/]/.test(raw) && !raw.startsWith('~') && !raw.includes('${');
    if (bare) {
      const onPath = searchPath(raw);
      if (onPath) {
        return { path: onPath, reason: '' };
      }
    }
    const configured = resolvePath(raw, folder);
    if (configured && isExecutableFile(configured)) {
      return { path: configured, reason: '' };
    }
    return { reason: `\`handover.server.path\` is set to "${setting}", which is not an executable file` };
  }
  const onPath = searchPath('handover');
  if (onPath) {
    return { path: onPath, reason: '' };
  }
  const cargoHome = process.env.CARGO_HOME || path.join(os.homedir(), '.cargo');
  const cargoBin = path.join(cargoHome, 'bin', process.platform === 'win32' ? 'handover.exe' : 'handover');
  if (isExecutableFile(cargoBin)) {
    return { path: cargoBin, reason: '' };
  }
  return { reason: '`handover` is not on PATH' };
}

/** Expands `~` and `${workspaceFolder}`, and makes a relative path absolute against the workspace folder. */
export function resolvePath(value: string | undefined, folder: string | undefined): string | undefined {
  let p = (value ?? '').trim();
  if (!p) {
    return undefined;
  }
  if (folder) {
    p = p.replace(/\$\{workspaceFolder\}/g, folder);
  }
  if (p === '~' || p.startsWith('~/') || p.startsWith('~\\')) {
    p = path.join(os.homedir(), p.slice(1));
  }
  if (!path.isAbsolute(p) && folder) {
    p = path.join(folder, p);
  }
  return p;
}

function searchPath(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const exts =
    process.platform === 'win32'
      ? ['', ...(process.env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';').filter(Boolean)]
      : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (isExecutableFile(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

function isExecutableFile(p: string): boolean {
  try {
    if (!fs.statSync(p).isFile()) {
      return false;
    }
    if (process.platform !== 'win32') {
      fs.accessSync(p, fs.constants.X_OK);
    }
    return true;
  } catch {
    return false;
  }
}

function log(message: string): void {
  output?.appendLine(`[${new Date().toISOString()}] ${message}`);
}
