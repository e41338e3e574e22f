// The time, once a second, for views whose words depend on it: a ban that ends, the
// next reconnect attempt. Reading `clock.now` in a template re-renders it each tick.
class Clock {
  now = $state(Date.now());
}

export const clock = new Clock();
setInterval(() => (clock.now = Date.now()), 1000);
