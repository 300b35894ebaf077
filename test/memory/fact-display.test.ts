import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { factForDisplay } from '../../src/memory/fact-display.ts';

describe('facts shown to the user read as sentences about "you"', () => {
  const cases: [string, string][] = [
    ['User works as a nurse', 'You work as a nurse'],
    ['User lives in Lisbon', 'You live in Lisbon'],
    ["User's dog is called Pixel", 'Your dog is called Pixel'],
    ['User’s birthday is on 3 May', 'Your birthday is on 3 May'],
    ['User is vegetarian', 'You are vegetarian'],
    ['User has a dog called Pixel', 'You have a dog called Pixel'],
    ['User was born in 1990', 'You were born in 1990'],
    ["User doesn't eat meat", "You don't eat meat"],
    ['User does not drink coffee', 'You do not drink coffee'],
    ['User studies law', 'You study law'],
    ['User watches football on Sundays', 'You watch football on Sundays'],
    ['User often goes hiking', 'You often go hiking'],
    ['User no longer smokes', 'You no longer smoke'],
    ['The user prefers tea over coffee', 'You prefer tea over coffee'],
    ['User lives in Berlin and works as a nurse', 'You live in Berlin and work as a nurse'],
    ['User likes cats and dogs', 'You like cats and dogs'],
    ['User moved to Porto last year', 'You moved to Porto last year'],
    ['User can speak French', 'You can speak French'],
    ['User discusses politics rarely', 'You discuss politics rarely'],
    ["Tom is the user's brother", 'Tom is your brother'],
    ["Ana is User's sister", 'Ana is your sister'],
    ['Lives in Berlin', 'You live in Berlin'],
    ['Ann loves green tea', 'Ann loves green tea'],
    ['Vegetarian since 2019', 'Vegetarian since 2019'],
    ['user is allergic to peanuts', 'You are allergic to peanuts'],
  ];
  for (const [stored, shown] of cases) {
    it(`${stored} → ${shown}`, () => assert.equal(factForDisplay(stored), shown));
  }
});
