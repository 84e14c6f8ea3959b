/** A decider's replay: its events folded through `evolve` from the initial state. */
export const replayWith =
  <State, Event>(initial: () => State, evolve: (state: State, event: Event) => State) =>
  (events: Iterable<Event>): State => {
    let state = initial();
    for (const event of events) state = evolve(state, event);
    return state;
  };

/** A decider's execute: the events `decide` chose, and the state after them. */
export const executeWith =
  <State, Command, Event>(
    decide: (state: State, command: Command) => Event[],
    evolve: (state: State, event: Event) => State,
  ) =>
  (state: State, command: Command): { state: State; events: Event[] } => {
    const events = decide(state, command);
    return { state: events.reduce(evolve, state), events };
  };
