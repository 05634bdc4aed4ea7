import { formatMoney, formatParam, minorUnitDigits, minorUnitName } from './text-table';

describe('analytics number formats', () => {
  it('shows money in major units of the currency and names the minor unit', () => {
    expect(formatMoney(154435, 'USD')).toBe('1,544.35');
    expect(formatMoney(1500, 'JPY')).toBe('1,500');
    expect(minorUnitDigits('USD')).toBe(2);
    expect(minorUnitName('USD')).toBe('cents');
    expect(minorUnitName('JPY')).toBe('minor units');
  });

  it('shows parameters to 4 decimals, or in scientific notation when they are tiny or huge', () => {
    expect(formatParam(0.2425944942943467)).toBe('0.2426');
    expect(formatParam(1.5e-7)).toBe('1.5000e-7');
    expect(formatParam(3e9)).toBe('3.0000e+9');
  });
});
