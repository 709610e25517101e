// Runs once before all test files. Reports loudly which database the suite runs on.
export default function globalSetup(): void {
  // Every computation of indicator figures in the tests also checks the kept ones (issue 10):
  // a kept figure still marked current that differs from the live one fails the test.
  process.env.INDICATOR_CACHE ??= 'verify';
  const url = process.env.TEST_DATABASE_URL;

  console.log(
    `\n[partnerpuls] tests run on ${url && url.startsWith('postgres') ? 'PostgreSQL (' + url.replace(/\/\/[^@]*@/, '//***@') + ')' : 'SQLite (a temporary file per test file)'}\n`,
  );
}
