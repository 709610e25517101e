// Runs once before all test files. Reports loudly which database the suite runs on.
export default function globalSetup(): void {
  const url = process.env.TEST_DATABASE_URL;

  console.log(
    `\n[partnerpuls] tests run on ${url && url.startsWith('postgres') ? 'PostgreSQL (' + url.replace(/\/\/[^@]*@/, '//***@') + ')' : 'SQLite (a temporary file per test file)'}\n`,
  );
}
