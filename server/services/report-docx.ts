import type { ReportModel } from './report';
export async function reportDocx(_m: ReportModel): Promise<Buffer> {
  return Promise.resolve(Buffer.from(''));
}
