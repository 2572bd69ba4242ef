import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { User } from 'oidc-client-ts';
import { describe, expect, it, vi } from 'vitest';
import { App } from '../App';
import { testSession } from '../test/auth';
import { theaters } from '../test/fixtures';
import { mockFetch, renderWithProviders } from '../test/render';

describe('signed in', () => {
  it('shows who is signed in and their role in the header', async () => {
    mockFetch({ '/api/dapper/theaters': theaters });
    renderWithProviders(<App />, { route: '/theaters', session: testSession({ name: 'Vera Viewer', role: 'viewer' }) });
    expect(await screen.findByTestId('user-name')).toHaveTextContent('Vera Viewer');
    expect(screen.getByTestId('user-role')).toHaveTextContent('viewer');
    expect(screen.getByTestId('user-menu')).toHaveTextContent('Signed in as Vera Viewer');
  });

  it('shows the highest role of a user who has several (the claim is then an array)', async () => {
    mockFetch({ '/api/dapper/theaters': theaters });
    renderWithProviders(<App />, { route: '/theaters', session: testSession({ name: 'Ada', role: ['viewer', 'admin', 'operator'] }) });
    const role = await screen.findByTestId('user-role');
    expect(role).toHaveTextContent('admin');
    expect(role).toHaveAttribute('title', 'viewer, operator, admin');
  });

  it('reads the role from the access token when the ID token has none', async () => {
    mockFetch({ '/api/dapper/theaters': theaters });
    renderWithProviders(<App />, { route: '/theaters', session: testSession({ role: 'operator', roleIn: 'access-token' }) });
    expect(await screen.findByTestId('user-role')).toHaveTextContent('operator');
  });

  it('signs out at the identity service and then waits for the user to sign in again', async () => {
    const user = userEvent.setup();
    mockFetch({ '/api/dapper/theaters': theaters });
    const session = testSession();
    const signIn = vi.spyOn(session.manager, 'signinRedirect').mockResolvedValue();
    // The identity service ends the session and sends the browser back: the tokens are gone.
    const signOut = vi.spyOn(session.manager, 'signoutRedirect').mockImplementation(() => session.manager.removeUser());
    renderWithProviders(<App />, { route: '/theaters', session });

    await user.click(await screen.findByRole('button', { name: 'Sign out' }));

    expect(signOut).toHaveBeenCalledTimes(1);
    expect(await screen.findByRole('heading', { name: 'You have signed out' })).toBeInTheDocument();
    expect(screen.queryByTestId('user-menu')).not.toBeInTheDocument();
    expect(signIn).not.toHaveBeenCalled();

    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(signIn).toHaveBeenCalledWith({ state: { returnUrl: '/' } });
  });
});

describe('signed out', () => {
  it('sends a visitor to sign in at once, with the page they asked for as the return address', async () => {
    const fetch = mockFetch({ '/api/dapper/theaters': theaters });
    const session = testSession(null);
    const signIn = vi.spyOn(session.manager, 'signinRedirect').mockResolvedValue();
    renderWithProviders(<App />, { route: '/theaters?q=amc', session });

    expect(await screen.findByRole('heading', { name: 'Sign in to ReelMetrics' })).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('Taking you to sign in…');
    await waitFor(() => expect(signIn).toHaveBeenCalledWith({ state: { returnUrl: '/theaters?q=amc' } }));
    expect(fetch).not.toHaveBeenCalledWith(expect.stringContaining('/theaters'), expect.anything());
  });

  it('comes back from the identity service to the page it left', async () => {
    mockFetch({ '/api/dapper/theaters': theaters });
    const session = testSession();
    const callback = vi
      .spyOn(session.manager, 'signinCallback')
      .mockResolvedValue({ state: { returnUrl: '/theaters' } } as unknown as User);
    renderWithProviders(<App />, { route: '/signin-callback?code=abc&state=xyz', session });

    expect(await screen.findAllByTestId('theater-row')).toHaveLength(theaters.length);
    expect(callback).toHaveBeenCalledTimes(1);
  });

  it('goes where the sign-in went when its callback is loaded again (reload, back button)', async () => {
    mockFetch({ '/api/dapper/theaters': theaters });
    const first = testSession();
    vi.spyOn(first.manager, 'signinCallback').mockResolvedValue({ state: { returnUrl: '/theaters' } } as unknown as User);
    await expect(first.completeSignIn('http://localhost:3000/signin-callback?code=abc&state=xyz')).resolves.toBe('/theaters');

    // The page again, as after a reload: the code is spent, the user is signed in.
    window.history.replaceState(null, '', '/signin-callback?code=abc&state=xyz');
    const again = testSession();
    const callback = vi.spyOn(again.manager, 'signinCallback').mockRejectedValue(new Error('No matching state found in storage'));
    renderWithProviders(<App />, { route: '/signin-callback?code=abc&state=xyz', session: again });

    expect(await screen.findAllByTestId('theater-row')).toHaveLength(theaters.length);
    expect(callback).toHaveBeenCalledTimes(1);
  });

  it('does not reuse an earlier sign-in for a different callback, or for a user no longer signed in', async () => {
    const first = testSession();
    vi.spyOn(first.manager, 'signinCallback').mockResolvedValue({ state: { returnUrl: '/theaters' } } as unknown as User);
    await first.completeSignIn('http://localhost:3000/signin-callback?code=abc&state=xyz');

    const other = testSession();
    vi.spyOn(other.manager, 'signinCallback').mockRejectedValue(new Error('No matching state found in storage'));
    await expect(other.completeSignIn('http://localhost:3000/signin-callback?code=def&state=other')).rejects.toThrow('No matching state');

    const expired = testSession({ expiresIn: -60 });
    vi.spyOn(expired.manager, 'signinCallback').mockRejectedValue(new Error('No matching state found in storage'));
    await expect(expired.completeSignIn('http://localhost:3000/signin-callback?code=abc&state=xyz')).rejects.toThrow('No matching state');
  });

  it('says so when the sign-in could not be completed', async () => {
    mockFetch({});
    const session = testSession(null);
    vi.spyOn(session.manager, 'signinCallback').mockRejectedValue(new Error('State does not match'));
    renderWithProviders(<App />, { route: '/signin-callback?code=abc&state=old', session });
    expect(await screen.findByRole('heading', { name: 'Signing in did not complete' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeInTheDocument();
  });
});
