/**
 * A parent process for the exit-handler test: starts a supervised child, prints `child <pid>`,
 * then calls `process.exit(0)` without closing anything. The module-level exit handler must
 * SIGKILL the child's process group. Test-only; not part of the build.
 */
import { BACKEND } from './helpers.fixture.ts';
import { Supervisor } from './supervisor.ts';

const supervisor = new Supervisor({ command: BACKEND, output: 'ignore' });
const use = await supervisor.acquire();
if (!use.ok) process.exit(1);
console.log(`child ${String(supervisor.pid)}`);
process.exit(0);
