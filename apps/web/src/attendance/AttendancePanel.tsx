import { useState } from 'react';

import {
  AttendanceRequestError,
  fetchAttendance,
  fetchAttendanceCsv,
  formatDuration,
  type AttendanceOptions,
  type AttendanceReport,
} from './attendance';

/**
 * The instructor's view of the current room's attendance: a table on request, refreshed on
 * request, and the CSV for the gradebook. Nothing is kept once the page is left.
 */
export function AttendancePanel({ room, options }: { room: string; options?: AttendanceOptions }) {
  const [report, setReport] = useState<AttendanceReport | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (caught) {
      setError(
        caught instanceof AttendanceRequestError
          ? `${caught.message} (${caught.code})`
          : 'The attendance report could not be read.',
      );
    } finally {
      setBusy(false);
    }
  }

  const load = () => run(async () => setReport(await fetchAttendance(room, options)));

  const download = () =>
    run(async () => {
      const blob = await fetchAttendanceCsv(room, options);
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = `attendance-${room.replace(/[^A-Za-z0-9_-]/g, '_')}.csv`;
      link.click();
      URL.revokeObjectURL(url);
    });

  return (
    <section className="attendance" aria-label="Attendance">
      <div className="attendance-bar">
        <h3>Attendance</h3>
        <button type="button" onClick={() => void load()} disabled={busy}>
          {report === undefined ? 'Show attendance' : 'Refresh'}
        </button>
        <button type="button" onClick={() => void download()} disabled={busy}>
          Download CSV
        </button>
      </div>
      {error !== undefined && (
        <p className="error-detail" role="alert">
          {error}
        </p>
      )}
      {report !== undefined && (
        <table data-testid="attendance-table">
          <thead>
            <tr>
              <th>Participant</th>
              <th>Role</th>
              <th>First joined</th>
              <th>Connected</th>
              <th>Sessions</th>
            </tr>
          </thead>
          <tbody>
            {report.participants.map((p) => (
              <tr key={p.identity}>
                <td>
                  {p.displayName ?? p.identity}
                  {p.lastLeave === undefined && ' (here now)'}
                </td>
                <td>{p.role ?? ''}</td>
                <td>{p.firstJoin.toLocaleTimeString()}</td>
                <td>{formatDuration(p.connectedSeconds)}</td>
                <td>{p.sessions}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
