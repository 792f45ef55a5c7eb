/**
 * The question a comparison of two terms asks (the bot's /compare, MCP's compare tool): worded
 * as the composer's comparison intent reads it ("difference between X and Y").
 */
export function comparisonQuestion(a: string, b: string): string {
  return `What is the difference between ${a} and ${b}?`;
}
