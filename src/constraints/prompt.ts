// MM-IFEval's prompt assembly (spec §2), the one rule every reader and writer of a prompt follows: the task (or
// instruction), then each constraint's text after one ASCII space, in list order.

/** The prompt of `task` with `constraints`; `without` leaves out the constraints of that key (a cmp_gpt aux prompt). */
export function assemblePrompt(task: string, constraints: readonly { key?: string; value: string }[], without?: string): string {
  let prompt = task;
  for (const c of constraints) if (without === undefined || c.key !== without) prompt += ` ${c.value}`;
  return prompt;
}
