// Greets a visitor by the time of day; the demo's tests leave the evening branch uncovered on purpose.

/**
 * @param {string} name
 * @param {number} hour 0–23, local time
 * @returns {string}
 */
export function greeting(name, hour) {
  const who = name.trim() === '' ? 'there' : name.trim();
  if (hour < 12) {
    return `Good morning, ${who}!`;
  }
  if (hour < 18) {
    return `Good afternoon, ${who}!`;
  }
  return `Good evening, ${who}!`;
}
