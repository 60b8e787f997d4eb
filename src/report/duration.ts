/**
 * The one way every report format writes a duration, so text, Markdown and HTML show the
 * same figure in the same unit: under 90 seconds in seconds, under 90 minutes in minutes,
 * under 48 hours in hours (one decimal), from 48 hours on in days (one decimal).
 */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5_400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3_600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}
