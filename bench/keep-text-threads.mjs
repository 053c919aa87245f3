// keep-text-threads.mjs: a quick before/after of issue 23 (handlers moved
// from the HTTP threads to worker pools): wrk, 2 threads, 32 connections,
// 8 s, twice each on /healthz and a client's dashboard, against the binary
// in INTERLUDE_BIN on a throwaway cluster:
//   out=$(bash scripts/pg.sh temp); dir=${out%% *}
//   PG_SUPERUSER_URL="postgresql:///postgres?host=$dir/run&user=postgres" \
//   INTERLUDE_BIN=build/interlude LABEL=after node bench/keep-text-threads.mjs
//   bash scripts/pg.sh destroy "$dir"
// Not part of make bench (docs/PERFORMANCE.md, "Worker pools").
import { execFileSync } from 'node:child_process';
import { startServer, psql } from '../tests/lib/harness.mjs';
import { createAdmin, invitedPerson } from '../tests/lib/client.mjs';
const srv = await startServer({ env: { LOG_LEVEL: 'warn' } });
try {
    createAdmin(srv);
    const q = (s) => psql(srv.dbUrl, s).trim();
    const admin = q("SELECT id FROM users WHERE role = 'admin'");
    const t = await invitedPerson(srv, { kind: 'therapist', createdBy: admin, name: 'T' });
    const c = await invitedPerson(srv, { kind: 'client', createdBy: t.id, name: 'C' });
    for (let i = 0; i < 3; i++) q(`INSERT INTO assignments (activity_id, version_id, therapist_id, client_id, start_date, times_per_week, weeks) SELECT l.id, l.version_id, ${t.id}, ${c.id}, current_date, 3, 2 FROM activity_latest l WHERE l.slug = 'eye-contact-connection' AND l.source = 'library'`);
    const cookie = c.cookieHeader();
    for (const [name, path, hdr] of [['healthz', '/healthz', []], ['dashboard', '/', ['-H', `Cookie: ${cookie}`]]]) {
        for (let run = 0; run < 2; run++) {
            const out = execFileSync('wrk', ['-t2', '-c32', '-d8s', '--latency', ...hdr, `${srv.url}${path}`], { encoding: 'utf8' });
            const rps = /Requests\/sec:\s+([\d.]+)/.exec(out)[1];
            const p50 = /50%\s+(\S+)/.exec(out)[1];
            const p99 = /99%\s+(\S+)/.exec(out)[1];
            const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0';
            console.log(`${process.env.LABEL} ${name} run${run + 1}: ${rps} req/s, p50 ${p50}, p99 ${p99}, non-2xx ${non2xx}`);
        }
    }
} finally {
    await srv.stop();
}
