// Greets a visitor by the time of day; the demo's tests leave the evening branch uncovered on purpose.

/** `hour` is 0–23, as the visitor gives it: the app never reads the clock, so its coverage is stable. */
export function greeting(name: string, hour: number): string {
  const who = name.trim() === '' ? 'there' : name.trim();
  if (hour < 12) {
    return `Good morning, ${who}!`;
  }
  if (hour < 18) {
    return `Good afternoon, ${who}!`;
  }
  return `Good evening, ${who}!`;
}
