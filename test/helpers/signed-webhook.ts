import twilio from 'twilio';

/** POSTs form params to `url` signed as Twilio signs them (the twilio library), as Twilio's webhook requests come. */
export function signedTwilioPost(url: string, authToken: string, params: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, url, params) },
    body: new URLSearchParams(params).toString(),
  });
}
