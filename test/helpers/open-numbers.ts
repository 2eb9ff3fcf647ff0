// The demo's own picker (client/demo/open-numbers.ts), for tests that run on the real clock.
export { numbersOpenAt } from '../../client/demo/open-numbers';
